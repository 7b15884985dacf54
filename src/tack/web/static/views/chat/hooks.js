// What higher capabilities add to the chat screens without chat knowing them (as the server's
// domain hooks): DING registers "DING the unread" in the who-has-not-read panel and the
// confirm button of its chat cards. Chat only reads these lists.

// {labelKey, testId, run({conversationId, message, unread: {count, names}, close})}
export const unreadActions = [];

// card button action prefix ("ding.confirm") → async handler(argument, button)
export const cardActions = new Map();
