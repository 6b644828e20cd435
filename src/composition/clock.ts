/** Where the app's time comes from. Domain code takes a Clock; only the composition root reads the system's. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
