/**
 * The span attribute names spanpulse writes and the collector reads. Semantic-convention
 * names where one exists (OTel GenAI and general conventions), so any OTel app that sets them
 * itself is read the same way.
 */

/** Anonymous visit identifier from the session cookie (OTel `session.id`). */
export const ATTR_SESSION_ID = 'session.id';
/** The signed-in user, once the app knows it (OTel `user.id`; the collector also reads `enduser.id`). */
export const ATTR_USER_ID = 'user.id';
/** The AI agent a request or span is attributed to (GenAI conventions). */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
