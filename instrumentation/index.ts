/**
 * `spanpulse`: what app code may call while `spanpulse/register` instruments it.
 * Every function is a no-op when the instrumentation is not running, so the calls can stay in
 * the code in every environment. Attributes go on the SERVER span of the current request.
 */
export { addTokenUsage } from './addTokenUsage.js';
export type { TokenUsage } from './addTokenUsage.js';
export {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_TOKENS,
  ATTR_GEN_AI_OUTPUT_TOKENS,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from './attributeNames.js';
export { setAgentName } from './setAgentName.js';
export { setUserId } from './setUserId.js';
