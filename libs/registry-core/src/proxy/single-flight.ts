/**
 * At most one operation per key in this process: callers asking while one is under way share its
 * result (or its error). `holdUntil` keeps the key taken after the result is known, while what the
 * result describes is still going on (a download other callers can still attach to).
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  run(key: string, start: () => Promise<T>, holdUntil?: (value: T) => Promise<unknown>): Promise<T> {
    const current = this.flights.get(key);
    if (current !== undefined) return current;
    const flight = start();
    this.flights.set(key, flight);
    const land = (): void => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then((value) => (holdUntil === undefined ? land() : holdUntil(value).then(land, land)), land);
    return flight;
  }

  get size(): number {
    return this.flights.size;
  }
}
