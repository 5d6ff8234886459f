#!/usr/bin/env bash
# tools/paintings.sh -- the eight paintings of docs/paintings.png: one
# semantic painting per prompt (seed 1, 256 x 256), in a 4 x 2 sheet.
# Usage (after `make`): tools/paintings.sh [OUT.png]   (default docs/paintings.png)
# Needs /usr/bin/python3 with PIL (python3-pil, which `make deps-test` installs).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/paintings.png}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/synesthd-paintings.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
prompts=(
    "a calm blue lake at dawn, empty and smooth"
    "wild red fire in the dark night, sharp and busy"
    "a bright joyful pink festival with round bubbles, lively and crowded"
    "a dazzling icy cyan glacier with jagged sharp peaks, empty and silent"
    "a lonely bright golden sunset, warm and soft, low over an empty desert"
    "悲伤的灰色雨天，寒冷而空旷，尖锐的寒风"
    "甜蜜温柔的粉红色花朵，柔软圆润，宁静的夜晚"
    "黑夜中快乐的橙色篝火，热闹的鼓声，圆润温暖"
)
for i in "${!prompts[@]}"; do
    build/synesthd convert --text "${prompts[$i]}" --mode semantic --seed 1 \
        --width 256 --height 256 -o "$tmp/$i.png"
done
/usr/bin/python3 - "$tmp" "$out" "${#prompts[@]}" <<'PY'
import sys
from PIL import Image
tmp, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
gap, side = 8, 256
sheet = Image.new("RGB", (4 * side + 3 * gap, 2 * side + gap), "white")
for i in range(n):
    im = Image.open("%s/%d.png" % (tmp, i)).convert("RGB")
    sheet.paste(im, ((i % 4) * (side + gap), (i // 4) * (side + gap)))
sheet.save(out, optimize=True)
PY
echo "wrote $out"
