export { loadIdentity } from './loadIdentity.ts';
export { type RunWorkerOptions, runWorker, type WorkerEvents } from './runWorker.ts';
