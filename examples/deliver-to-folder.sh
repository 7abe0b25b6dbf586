#!/bin/sh
# A stand-in for sendmail used by the tour: "delivers" each message into a folder,
# which plays the customer's mailbox. Usage (as mail.sendmail): deliver-to-folder.sh DIR -t -i
dir=$1
mkdir -p "$dir"
cat > "$dir/$(date +%s%N).eml"
