import type { TestCase } from './run';
export const interactionTests: TestCase[] = [];
