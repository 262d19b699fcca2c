#!/bin/sh
echo "${HOME}"
exit 0
