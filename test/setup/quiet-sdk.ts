// Keep the SDK's warnings and errors in test output, not its INFO chatter (worker states, bundler).
import { installSdkLogging } from '../../lib/sdk-logging';

installSdkLogging('WARN');
