#!/bin/bash
# Ranks rung 2 of search 1795808850 and writes the promotions to rungs.json.
exec "$LAB" search promote 1795808850 --rung 2
