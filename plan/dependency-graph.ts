import { DependencyCycleError } from './errors.js';

/**
 * A directed graph of "depends on" edges (`a → b`: a waits for b) over string nodes kept in declaration order, with
 * the two questions plan validation and scheduling ask: which cycles are there, and in which order can the nodes run.
 * Both answers are deterministic: ties follow declaration order.
 */
export class DependencyGraph {
  private readonly edges = new Map<string, string[]>();

  /** Nodes in declaration order; edges to nodes not listed are ignored. */
  constructor(readonly nodes: readonly string[]) {
    for (const n of nodes) this.edges.set(n, []);
  }

  /** Records that `from` depends on `to` (once). */
  addEdge(from: string, to: string): this {
    const list = this.edges.get(from);
    if (list && this.edges.has(to) && !list.includes(to)) list.push(to);
    return this;
  }

  /** The nodes `node` depends on directly. */
  dependenciesOf(node: string): readonly string[] {
    return this.edges.get(node) ?? [];
  }

  /**
   * One cycle per strongly connected component that has one (Tarjan), as its members in edge order starting with
   * the member declared first, without repeating it at the end: `[a, b, c]` is `a → b → c → a`; `[a]` is a self-loop.
   */
  cycles(): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    let counter = 0;
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
    };
    // Iterative Tarjan: long dependency chains must not exhaust the call stack.
    const connect = (root: string): void => {
      visit(root);
      const frames: { node: string; next: number }[] = [{ node: root, next: 0 }];
      while (frames.length) {
        const frame = frames[frames.length - 1]!;
        const v = frame.node;
        const deps = this.dependenciesOf(v);
        if (frame.next < deps.length) {
          const w = deps[frame.next++]!;
          if (!index.has(w)) {
            visit(w);
            frames.push({ node: w, next: 0 });
          } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
          continue;
        }
        frames.pop();
        const parent = frames[frames.length - 1];
        if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(v)!));
        if (low.get(v) === index.get(v)) {
          const component: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            component.push(w);
          } while (w !== v);
          components.push(component);
        }
      }
    };
    for (const n of this.nodes) if (!index.has(n)) connect(n);
    const position = new Map(this.nodes.map((n, i) => [n, i]));
    return components
      .filter((c) => c.length > 1 || this.dependenciesOf(c[0]!).includes(c[0]!))
      .map((c) => this.cycleWithin(new Set(c), c.reduce((a, b) => (position.get(a)! <= position.get(b)! ? a : b))))
      .sort((a, b) => position.get(a[0]!)! - position.get(b[0]!)!);
  }

  /** The shortest cycle through `start` inside one strongly connected component (breadth-first, declaration order). */
  private cycleWithin(component: ReadonlySet<string>, start: string): string[] {
    const parent = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i]!;
      for (const w of this.dependenciesOf(v)) {
        if (!component.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
          return path;
        }
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
    return [start];
  }

  /**
   * Every node after all it depends on (Kahn): among the nodes whose dependencies are all placed, the one declared
   * first comes next. Throws `DependencyCycleError` when the graph has a cycle (validate first).
   */
  order(): string[] {
    const position = new Map(this.nodes.map((n, i) => [n, i]));
    const waiting = new Map(this.nodes.map((n) => [n, this.dependenciesOf(n).length]));
    const dependents = new Map<string, string[]>(this.nodes.map((n) => [n, []]));
    for (const n of this.nodes) for (const d of this.dependenciesOf(n)) dependents.get(d)!.push(n);
    // A binary min-heap of ready nodes by declaration position.
    const heap: number[] = [];
    const push = (i: number) => {
      heap.push(i);
      for (let c = heap.length - 1; c > 0; ) {
        const p = (c - 1) >> 1;
        if (heap[p]! <= heap[c]!) break;
        [heap[p], heap[c]] = [heap[c]!, heap[p]!];
        c = p;
      }
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let p = 0; ; ) {
          const l = 2 * p + 1;
          const r = l + 1;
          let m = p;
          if (l < heap.length && heap[l]! < heap[m]!) m = l;
          if (r < heap.length && heap[r]! < heap[m]!) m = r;
          if (m === p) break;
          [heap[p], heap[m]] = [heap[m]!, heap[p]!];
          p = m;
        }
      }
      return top;
    };
    this.nodes.forEach((n, i) => waiting.get(n) === 0 && push(i));
    const out: string[] = [];
    while (heap.length) {
      const n = this.nodes[pop()]!;
      out.push(n);
      for (const d of dependents.get(n)!) {
        const left = waiting.get(d)! - 1;
        waiting.set(d, left);
        if (left === 0) push(position.get(d)!);
      }
    }
    if (out.length < this.nodes.length) throw new DependencyCycleError(this.nodes.filter((n) => waiting.get(n)! > 0));
    return out;
  }
}
