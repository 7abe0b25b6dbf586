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

printf '\n# Three customers write in: by phone, in Polish, in Russian.\n'
printer=$(tix new "Printer on fire" --from "Jan Kowalski <jan@example.pl>" --channel phone \
  -p high -c technical -q tech -b "The office printer smokes when printing invoices.")
invoice=$(tix new "Faktura nr 123/2026 — błędna kwota" --from "Zofia Wiśniewska <zofia@example.pl>" \
  --channel email -c invoice -q accounting -b "Dzień dobry, na fakturze jest kwota 1230 zł zamiast 123 zł.")
login=$(tix new "Не могу войти в личный кабинет" --from "Ольга Смирнова <olga@example.ru>" \
  --channel chat -c technical -b "Пишет «неверный пароль», хотя пароль верный.")
echo "created $printer, $invoice, $login"

run tix assign "$printer" bob
run tix take "${invoice:0:4}"
run tix status "$printer" open
run tix note "$printer" "Called Jan back: unplug it, technician on the way."
run tix tag "$invoice" +vip +refund
run tix assign "$login" ivan
run tix priority "$login" urgent
run tix --as "Bob Builder <bob@firma.example>" close "$printer" -m "Replaced the fuser unit."
run tix list
run tix list --all --sort -updated
run tix list --queue accounting --format json
run tix show "$invoice"
run tix log "$printer"
run tix log
printf '\nThe helpdesk is a git repository: %s\n' "$desk"
run git -C "$desk" log --oneline -5
