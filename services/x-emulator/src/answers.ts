// X's answers, word for word, to what it refuses.
export const unauthorized = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };
export const duplicate = {
  detail: 'You are not allowed to create a Tweet with duplicate content.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
};
// X's answers to a reply it will not take, word for word (as application/problem+json).
export const replyToInvisible = {
  detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
};
export const replyRestricted = {
  detail:
    'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
};
export const rateLimited = { errors: [{ code: 88, message: 'Rate limit exceeded' }] };

export function invalid(detail: string) {
  return {
    errors: [{ message: detail }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  };
}
export function faultBody(status: number) {
  const title = status === 503 ? 'Service Unavailable' : status === 500 ? 'Internal Server Error' : `Error ${status}`;
  return { title, detail: title, type: 'about:blank', status };
}
