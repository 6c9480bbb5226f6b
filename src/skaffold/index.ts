/** The Skaffold API core: usable from plain Node, no VS Code API. */
export * from './address';
export * from './client';
export * from './errors';
export * from './eventLog';
export * from './format';
export * from './lifecycle';
export * from './model';
export * from './protocol';
export * from './reducer';
export * from './session';
