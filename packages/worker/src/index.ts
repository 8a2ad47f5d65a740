export { CPUS_MIN, Governor, type GovernorState, type PauseReason } from './governor/Governor.ts';
export { IDLE_POLICY_DEFAULTS, IdleDetector, type IdlePolicy } from './governor/IdleDetector.ts';
export { otherBusyShare, processCpuMs, readLoadCounters } from './governor/machineLoad.ts';
export { loadIdentity } from './loadIdentity.ts';
export { NoirTasks } from './NoirTasks.ts';
export { nativeSigner } from './nativeSigner.ts';
export { type Registration, readRegistration, writeRegistration } from './registration.ts';
export { type RunWorkerOptions, runWorker, type WorkerEvents } from './runWorker.ts';
