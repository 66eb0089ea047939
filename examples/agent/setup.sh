#!/bin/sh
# Creates the stand-in agent example's git repository (branch main, one commit) and a copy of stand-in.yaml in DIR
# (default .state/agent), outside the checkout's tracked files. The repository holds the stand-in agent
# (tools/stand-in-agent.mjs) and a prompt file (prompts/docs.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-.state/agent}
rm -rf "$dir/repo" "$dir/state"
mkdir -p "$dir/repo/src" "$dir/repo/tools" "$dir/repo/prompts"
cp "$here/stand-in.yaml" "$dir/plan.yaml"
cp "$here/stand-in-agent.mjs" "$dir/repo/tools/stand-in-agent.mjs"
cd "$dir/repo"
git init --quiet --initial-branch=main
printf 'exports.name = "agent-demo";\n' > src/index.js
printf '{ "name": "gantry-agent-demo", "private": true, "type": "commonjs" }\n' > package.json
cat > prompts/docs.md <<'PROMPT'
Document the greeting in docs/greet.md.
write docs/greet.md: # greet(name) returns "hello, " followed by the name.
PROMPT
git add -A
git -c user.name=Demo -c user.email=demo@localhost commit --quiet -m "initial"
echo "agent example repository: $(pwd)"
echo "next: npx gantry run $dir/plan.yaml --state-dir $dir/state && npx gantry status --state-dir $dir/state"
