import { ApiError } from '../http/api-error.js';

/** No event with this id is indexed (or it is not searchable yet). */
export class EventNotFoundError extends ApiError {
  constructor(eventId: string) {
    super('UNKNOWN_EVENT', `no event with id ${eventId}`);
  }
}
