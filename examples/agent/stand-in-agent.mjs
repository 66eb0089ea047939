// A stand-in for a coding agent (issue 15), for examples/agent/stand-in.yaml: it reads its prompt on standard input,
// does what the prompt's lines say in its working copy, and reports what it "spent" as `gantry-usage` lines, the way
// a real agent wrapper would. Instructions, one per line (other lines are prose and ignored):
//   write PATH: TEXT     create or replace PATH with TEXT and a newline
//   append PATH: TEXT    add TEXT and a newline to PATH
//   think N              spend N output tokens thinking (reported at once; a budget may stop the agent here)
// Usage: input tokens are the prompt's length / 4, output tokens what it wrote / 4 plus what it thought; the cost is
// $3 per million input tokens and $15 per million output tokens (COST_IN_PER_MTOK / COST_OUT_PER_MTOK override).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const prompt = readFileSync(0, 'utf8');
const costIn = Number(process.env.COST_IN_PER_MTOK ?? 3) / 1e6;
const costOut = Number(process.env.COST_OUT_PER_MTOK ?? 15) / 1e6;
const tokens = (text) => Math.ceil(text.length / 4);
const report = (input, output) => console.log(`gantry-usage ${JSON.stringify({ input_tokens: input, output_tokens: output, cost_usd: input * costIn + output * costOut })}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

console.log(`attempt ${process.env.GANTRY_ATTEMPT} of task ${process.env.GANTRY_TASK_ID} (run ${process.env.GANTRY_RUN_ID})`);
report(tokens(prompt), 0);
for (const line of prompt.split('\n')) {
  const edit = /^(write|append) ([^:\s]+): (.*)$/.exec(line.trim());
  const think = /^think (\d+)$/.exec(line.trim());
  if (edit) {
    const [, verb, path, text] = edit;
    mkdirSync(dirname(path), { recursive: true });
    (verb === 'write' ? writeFileSync : appendFileSync)(path, `${text}\n`);
    console.log(`${verb} ${path}`);
    report(0, tokens(text));
  } else if (think) {
    console.log(`thinking (${think[1]} tokens)`);
    report(0, Number(think[1]));
    await sleep(300); // a budget stop arrives while the agent is still at work
  }
}
