#!/usr/bin/env bash
# Refresh the vendored MathJax (so the book renders math offline, without a CDN).
# Usage: bash tools/vendor_mathjax.sh   (needs npm; the result is committed)
set -euo pipefail
VERSION=3.2.2
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mathjax@$VERSION" >/dev/null && tar xzf mathjax-$VERSION.tgz)
src="$work/package/es5"
dest=_vendor/mathjax
rm -rf "$dest"
mkdir -p "$dest/output/chtml/fonts" "$dest/input/tex"
cp "$src/tex-chtml.js" "$dest/"
cp -r "$src/output/chtml/fonts/woff-v2" "$dest/output/chtml/fonts/"
cp -r "$src/input/tex/extensions" "$dest/input/tex/"
cp -r "$src/ui" "$src/a11y" "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "MathJax $VERSION (es5 subset: tex-chtml, fonts, TeX extensions, ui, a11y) from npm" > "$dest/VERSION"
du -sh "$dest"
