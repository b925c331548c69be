// The message-building pieces live in lib/forward-message.mjs, plain JavaScript the relay
// CLI shares without a build step; server modules keep importing them from here.
export { describeNetworkError, endToEndHeaders, joinTargetUrl, wireHeaders } from "../forward-message.mjs";
