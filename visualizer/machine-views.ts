import { ENTITY_TYPES } from '../machines/index.js';
import { chartEdges, machineChart, triggerLabel, type ChartState } from './machine-chart.js';
import { machineSvg } from './machine-svg.js';

/** One machine as the inspection page draws it: its states, its edges (as drawn) and its SVG. */
export interface MachineView {
  readonly entity_type: string;
  readonly version: string;
  readonly initial: string;
  readonly states: readonly ChartState[];
  /** One per drawn arrow (triggers grouped per from → to and kind), in-state updates left out. */
  readonly edges: readonly { from: string; to: string; ext: string | null; labels: string[] }[];
  /** The ELK-laid-out SVG; state nodes carry `data-state`, edges `data-from`/`data-to`. */
  readonly svg: string;
}

/**
 * The eight machines drawn from their definitions, in catalog order. Layout takes a few hundred milliseconds, so the
 * server computes them once and serves the same views to every page.
 */
export async function machineViews(): Promise<MachineView[]> {
  const views: MachineView[] = [];
  for (const type of ENTITY_TYPES) {
    const chart = machineChart(type);
    views.push({
      entity_type: chart.entity_type,
      version: chart.version,
      initial: chart.initial,
      states: chart.states,
      edges: chartEdges(chart).map((e) => ({ from: e.from, to: e.to, ext: e.ext, labels: [...new Set(e.triggers.map(triggerLabel))] })),
      svg: await machineSvg(chart),
    });
  }
  return views;
}

