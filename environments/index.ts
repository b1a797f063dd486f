/** Every environment `main.ts` synthesizes, in deployment order. */
import type { EnvironmentConfig } from './config';
import { dev } from './dev';
import { prod } from './prod';
import { test } from './test';

/** The environments, keyed by the name their file gives. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = { dev, test, prod };
