#!/bin/sh
# geodata.sh: rebuild web/public/geo/*.json (display geodata) from the
# project's shared geodata (see shared/geodata/README.md for sources and
# licences). Needs network access to the npm registry for mapshaper.
#
# usage: sh scripts/geodata.sh [SHARED_GEODATA_DIR]
set -eu
src=${1:-../../shared/geodata}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$here/scripts/prepgeo.mjs" "$src" "$tmp"
ms="npx -y mapshaper@0.7.70"
clip="bbox=95,-5,235,72"
$ms -i "$tmp/land.json" -clip $clip -simplify 6% keep-shapes -filter-slivers min-area=0.0005 -o precision=0.001 format=geojson "$here/public/geo/land.json"
$ms -i "$tmp/regions.json" -simplify 5% keep-shapes -filter-slivers min-area=0.0002 -o precision=0.001 format=geojson "$here/public/geo/regions.json"
$ms -i "$tmp/eez.json" -clip $clip -simplify 50% keep-shapes -o precision=0.001 format=geojson "$here/public/geo/eez.json"
ls -l "$here/public/geo"
