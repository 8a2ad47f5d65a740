export { cliVersion, main } from './main.ts';
