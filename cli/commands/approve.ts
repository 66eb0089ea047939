import type { Command } from '../command.js';
import { gateDecisionCommand } from '../gate-decision-command.js';

/** `gantry approve GATE --run RUN_ID --reason TEXT`: an approver passes a waiting MANUAL gate (EXT-6). */
export const approveCommand: Command = gateDecisionCommand('approve');
