/**
 * Attributes the current request to an AI agent (`gen_ai.agent.name` on its SERVER span).
 */
import { ATTR_GEN_AI_AGENT_NAME } from './attributeNames.js';
import { currentServerSpan } from './currentServerSpan.js';
import { MAX_NAME_LENGTH } from './limits.js';

/**
 * Names the AI agent that handles the current request, e.g. `setAgentName('support')` in the
 * handler of `/api/agents/:agent/chat`. The last call wins. A no-op when spanpulse is not
 * running, outside a traced request, or for an empty or longer than 256 character name.
 * Never throws.
 */
export function setAgentName(name: string): void {
  try {
    if (typeof name !== 'string') return;
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) return;
    currentServerSpan()?.setAttribute(ATTR_GEN_AI_AGENT_NAME, trimmed);
  } catch {
    // Attribution is best effort; the app's request is not.
  }
}
