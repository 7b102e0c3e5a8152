#!/bin/sh
# Prints a line every two seconds, with the copy number given as $1.
while true; do
  echo "ticker $1: $(date '+%H:%M:%S')"
  sleep 2
done
