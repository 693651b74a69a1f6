// The simulation worker's bundle: the real workflows, plus the simulated participants.
export * from '../workflows';
export { participantWorkflow, yearEndParticipantWorkflow } from './participant-workflow';
export { councilParticipantWorkflow } from './council-participant';
