/**
 * The library's entry: every element, the relay client and the event classes.
 * Importing it defines the custom elements.
 * @module
 */
export * from './client/index.ts';
export * from './elements/shared/events.ts';
