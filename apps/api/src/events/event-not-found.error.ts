/** No event with this id is indexed (or it is not searchable yet). */
export class EventNotFoundError extends Error {
  override readonly name = 'EventNotFoundError';

  constructor(readonly eventId: string) {
    super(`no event with id ${eventId}`);
  }
}
