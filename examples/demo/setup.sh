#!/bin/sh
# Creates the demo's git repository (branch main, one commit) and a copy of the plan in DIR (default .state/demo),
# outside the checkout's tracked files: nothing here is committed as a nested repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-.state/demo}
rm -rf "$dir/repo" "$dir/state" "$dir/markers"
mkdir -p "$dir/repo/src" "$dir/markers"
markers=$(cd "$dir/markers" && pwd)
# The plan's @MARKERS@: a folder outside the repository that the flaky task may write (declared in its sandbox).
sed "s#@MARKERS@#$markers#g" "$here/plan.yaml" > "$dir/plan.yaml"
cd "$dir/repo"
git init --quiet --initial-branch=main
printf 'exports.name = "demo";\n' > src/index.js
printf 'node_modules/\n' > .gitignore
# The repository's own package.json: without it, Node would read the enclosing checkout's ("type": "module")
# when the demo lives under .state/ of a Gantry checkout, and the CommonJS sources and tests would not load.
printf '{ "name": "gantry-demo", "private": true, "type": "commonjs" }\n' > package.json
git add -A
git -c user.name=Demo -c user.email=demo@localhost commit --quiet -m "initial"
echo "demo repository: $(pwd)"
echo "next: npx gantry run $dir/plan.yaml --state-dir $dir/state"
