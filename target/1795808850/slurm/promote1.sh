#!/bin/bash
# Ranks rung 1 of search 1795808850 and writes the promotions to rungs.json.
exec "$LAB" search promote 1795808850 --rung 1
