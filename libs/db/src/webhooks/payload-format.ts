/**
 * What a subscription's POST body looks like:
 * - `distribution`: the registry:2 envelope `{"events":[event]}` (media type
 *   application/vnd.docker.distribution.events.v1+json), for listeners written for registry:2;
 * - `deploy`: one compact object naming the image by tag and digest, for deploy hooks;
 * - `cloudevents`: a CloudEvents 1.0 event in structured JSON mode;
 * - `template`: the subscription's own body template, to call a CI/CD API directly.
 */
export const PAYLOAD_FORMATS = ['distribution', 'deploy', 'cloudevents', 'template'] as const;

export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** Actions a subscription can filter on (ping is always delivered: it is asked for). */
export const FILTER_ACTIONS = ['push', 'pull', 'mount', 'delete'] as const;

export type FilterAction = (typeof FILTER_ACTIONS)[number];
