#!/bin/bash
# Evaluates the chosen trial of search 1795808850 on the test set and writes the notebook's report.
exec "$LAB" search collect 1795808850 --quiet
