#!/usr/bin/env bash
# A guided tour of tix on a fresh helpdesk built from examples/tix.yaml.
# Usage: bash examples/tour.sh [DIR]   (default: a new temporary folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
desk=${1:-$(mktemp -d)/helpdesk}

run() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# The tour plays two teammates; real users are git's user.name/user.email.
export TIX_USER="Anna Nowak <anna@firma.example>"

run tix init "$desk" --config "$here/tix.yaml"
cd "$desk"
printf '\n# Templates in the customers'"'"' languages: Polish customers get templates/pl/, Russian ones templates/ru/.\n'
run cp -r "$here/templates/pl" "$here/templates/ru" templates/
run git -C "$desk" add templates
run git -C "$desk" commit -q -m "Templates in Polish and Russian"

printf '\n# The support mailbox: English, Polish and Russian customers, replies, an auto-reply, an attachment.\n'
run tix import --dry-run "$here/Maildir"
run tix import "$here/Maildir"
run tix import "$here/Maildir"   # again: nothing is imported twice
id_of() { tix list --all --format csv --customer "$1" | sed -n 2p | cut -d, -f1; }
invoice=$(id_of zofia@example.pl)
login=$(id_of olga@example.ru)
order=$(id_of mary.smith@example.com)
printf '\n# Rules routed each ticket to a queue and a person; SLA clocks run in business hours.\n'
run tix list --all --format csv
run tix rules test "$here/Maildir/new/1795422600.M3P100.mail.example"
run tix remind --no-mail
run tix show "$invoice"
run ls "tickets/${order:0:2}/$order"/*/

printf '\n# Answer Zofia from a template: first look at the exact mail, then send it.\n'
run tix templates
run tix reply "$invoice" -t need-info -m "Prosimy o skan faktury." --preview
run tix reply "$invoice" -t need-info -m "Prosimy o skan faktury."
mailbox="$desk/../customer-mailbox"
run tix config set mail.sendmail "$here/deliver-to-folder.sh $mailbox -t -i"
run tix send
sent=$(ls "$mailbox"/*.eml | head -1)
printf '\n# Zofia answers the mail she received; the answer threads back into the same ticket.\n'
reply_to=$(grep -i '^Message-ID:' "$sent" | head -1 | cut -d' ' -f2 | tr -d '\r')
printf 'From: zofia@example.pl\r\nTo: pomoc@firma.example\r\nSubject: Re: faktura\r\nMessage-ID: <answer.1@poczta.example.pl>\r\nIn-Reply-To: %s\r\n\r\nSkan w zalaczniku.\r\n' "$reply_to" > "$desk/../answer.eml"
run tix import "$desk/../answer.eml"
run tix show "$invoice"

printf '\n# A customer calls in; the team works the board.\n'
printer=$(tix new "Printer on fire" --from "Jan Kowalski <jan@example.pl>" --channel phone \
  -p high -c technical -q tech -b "The office printer smokes when printing invoices.")
echo "created $printer"

run tix assign "$printer" bob
run tix take "${invoice:0:4}"
run tix status "$printer" open
run tix note "$printer" "Called Jan back: unplug it, technician on the way."
run tix tag "$invoice" +vip +refund
run tix assign "$login" ivan
run tix priority "$login" urgent
run tix --as "Bob Builder <bob@firma.example>" close "$printer" -m "Replaced the fuser unit."

printf '\n# Closing sent Jan a notice (notify.closed in tix.yaml) that asks how we did; he rates by replying "1".\n'
run tix send
notice=$(grep -l "has been resolved" "$mailbox"/*.eml | head -1)
notice_id=$(grep -i '^Message-ID:' "$notice" | head -1 | cut -d' ' -f2 | tr -d '\r')
printf 'From: Jan Kowalski <jan@example.pl>\r\nTo: pomoc@firma.example\r\nSubject: Re: Printer on fire\r\nMessage-ID: <rating.1@example.pl>\r\nIn-Reply-To: %s\r\n\r\n1\r\nFast, thank you!\r\n' "$notice_id" > "$desk/../rating.eml"
run tix import "$desk/../rating.eml"
run tix show "$printer"   # the notice, Jan's answer, and "Rating: good": the ticket stays closed

printf '\n# Jan writes again, about a delivery: search finds it in any inflection; his history tells the whole story.\n'
complaint=$(tix new "Brakuje dwóch tonerów" --from "Jan Kowalski <jan@example.pl>" -c complaint \
  -b "Składam reklamację: w ostatniej dostawie brakuje dwóch tonerów.")
echo "created $complaint"
run tix search "reklamacja dostawa"
run tix customer jan@example.pl
run tix list
run tix list --all --sort -updated
run tix list --customer example.ru --format json
run tix log "$printer"
run tix log
printf '\n# The knowledge base: answers written once in three languages, suggested for tickets, used in replies, published.\n'
run cp -r "$here/kb" "$desk/kb"
run git -C "$desk" add kb
run git -C "$desk" commit -q -m "Knowledge base: returns, delivery times, password reset"
run tix kb list
run tix kb suggest "$login"
run tix reply "$login" --kb password-reset
run tix kb build --out "$desk/../kb-site"
printf '\nThe knowledge base as a site: open %s in a browser.\n' "$(cd "$desk/.." && pwd)/kb-site/index.html"
printf '\nThe helpdesk is a git repository: %s\n' "$desk"
run git -C "$desk" log --oneline -5
