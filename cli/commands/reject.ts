import type { Command } from '../command.js';
import { gateDecisionCommand } from '../gate-decision-command.js';

/** `gantry reject GATE --run RUN_ID --reason TEXT`: an approver fails a waiting MANUAL gate with the reason (EXT-6). */
export const rejectCommand: Command = gateDecisionCommand('reject');
