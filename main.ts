/**
 * Builds one stack per environment in `environments/`, then synthesizes
 * `cdktf.out/stacks/<stack>/cdk.tf.json` for each.
 */
import { App } from 'cdktf';
import { parseEnvironmentConfig } from './environments/config';
import { ENVIRONMENTS } from './environments';
import { FileflowStack } from './modules/fileflow-stack';

const app = new App();
for (const [file, raw] of Object.entries(ENVIRONMENTS)) {
  new FileflowStack(app, parseEnvironmentConfig(raw, file));
}
app.synth();
