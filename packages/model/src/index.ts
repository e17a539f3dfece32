export * from './ids';
export * from './enums';
export * from './span';
