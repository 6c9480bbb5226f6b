/**
 * What the user can do about a problem: for each of Skaffold's suggestions, the actions it
 * stands for (run a phase again, open a setting, our documentation page for the topic, the
 * config or manifest, the container logs), and for each problem the actions always at hand.
 *
 * Every SuggestionCode of proto/enums.proto has a deliberate entry in SUGGESTION_ACTIONS. URLs
 * are ours, chosen per topic: a URL in the suggestion's text is never opened, the text itself
 * is only ever shown. Titles are short English strings in one table (ACTION_TITLES) for the
 * extension to localize.
 */
import { TextRange } from './configLocations';
import { SuggestionInfo } from '../state/model';
import { Problem, ProblemPhase } from './problems';
import { oneLine, Width } from '../base/text';

/** The phases an Execute intent can run again (`sync` is not used by any mapping yet). */
export type RerunPhase = 'build' | 'sync' | 'deploy' | 'devloop';

interface ActionBase {
  title: string;
  /** The key of `title` in ACTION_TITLES. */
  titleId: ActionTitleId;
  /** The suggestion's own text (single-line, bounded) when the action comes from one. */
  suggestion?: string;
}

export type SuggestionAction =
  | ActionBase & { kind: 'rerun'; phase: RerunPhase }
  | ActionBase & { kind: 'openSettings'; setting: SettingId }
  | ActionBase & { kind: 'openDocs'; url: string }
  | ActionBase & { kind: 'openFile'; file: string; range?: TextRange }
  | ActionBase & { kind: 'openLogs'; resource: string }
  | ActionBase & { kind: 'output'; phase: ProblemPhase; subject: string };

/** The extension's settings a suggestion may point at (all in package.json). */
export type SettingId = 'skaffold.launch.args' | 'skaffold.executable';

/** Our documentation pages, one per topic. */
export const DOCS = {
  home: 'https://skaffold.dev/docs/',
  install: 'https://skaffold.dev/docs/install/',
  builders: 'https://skaffold.dev/docs/builders/',
  docker: 'https://skaffold.dev/docs/builders/builder-types/docker/',
  jib: 'https://skaffold.dev/docs/builders/builder-types/jib/',
  localBuild: 'https://skaffold.dev/docs/builders/build-environments/local/',
  cloudBuild: 'https://skaffold.dev/docs/builders/build-environments/cloud-build/',
  crossPlatform: 'https://skaffold.dev/docs/builders/cross-platform/',
  imageRegistries: 'https://skaffold.dev/docs/environment/image-registries/',
  globalConfig: 'https://skaffold.dev/docs/design/global-config/',
  kubeContext: 'https://skaffold.dev/docs/environment/kube-context/',
  localCluster: 'https://skaffold.dev/docs/environment/local-cluster/',
  profiles: 'https://skaffold.dev/docs/environment/profiles/',
  configs: 'https://skaffold.dev/docs/design/config/',
  yamlReference: 'https://skaffold.dev/docs/references/yaml/',
  cli: 'https://skaffold.dev/docs/references/cli/',
  deployers: 'https://skaffold.dev/docs/deployers/',
  kubectl: 'https://skaffold.dev/docs/deployers/kubectl/',
  helm: 'https://skaffold.dev/docs/deployers/helm/',
  kpt: 'https://skaffold.dev/docs/deployers/kpt/',
  cloudRun: 'https://skaffold.dev/docs/deployers/cloudrun/',
  rawYaml: 'https://skaffold.dev/docs/renderers/rawyaml/',
  kptRenderer: 'https://skaffold.dev/docs/renderers/kpt/',
  statusCheck: 'https://skaffold.dev/docs/status-check/',
  fileSync: 'https://skaffold.dev/docs/filesync/',
  cleanup: 'https://skaffold.dev/docs/cleanup/',
  testers: 'https://skaffold.dev/docs/testers/',
  customTests: 'https://skaffold.dev/docs/testers/custom/',
  /** Not documentation, but the place OPEN_ISSUE means; fixed here, never taken from the text. */
  issues: 'https://github.com/GoogleContainerTools/skaffold/issues',
} as const;

export type DocTopic = keyof typeof DOCS;

/** Every title an action can have. */
export const ACTION_TITLES = {
  rebuild: 'Rebuild',
  redeploy: 'Redeploy',
  resync: 'Sync again',
  rerunDevLoop: 'Build and deploy again',
  openConfig: 'Open the Skaffold config',
  openManifest: 'Open the manifest',
  showContainerLogs: 'Show container logs',
  showBuildOutput: 'Show build output',
  showOutput: 'Show Skaffold output',
  editLaunchArgs: 'Edit Skaffold launch arguments',
  chooseExecutable: 'Choose the Skaffold executable',
  'docs.home': 'Skaffold documentation',
  'docs.install': 'Docs: installing Skaffold',
  'docs.builders': 'Docs: builders',
  'docs.docker': 'Docs: Docker builds',
  'docs.jib': 'Docs: Jib builds',
  'docs.localBuild': 'Docs: local builds',
  'docs.cloudBuild': 'Docs: Cloud Build',
  'docs.crossPlatform': 'Docs: cross-platform builds',
  'docs.imageRegistries': 'Docs: image registries',
  'docs.globalConfig': 'Docs: global config',
  'docs.kubeContext': 'Docs: Kubernetes context',
  'docs.localCluster': 'Docs: local clusters',
  'docs.profiles': 'Docs: profiles',
  'docs.configs': 'Docs: configs and dependencies',
  'docs.yamlReference': 'Docs: skaffold.yaml reference',
  'docs.cli': 'Docs: command line',
  'docs.deployers': 'Docs: deployers',
  'docs.kubectl': 'Docs: kubectl deployer',
  'docs.helm': 'Docs: Helm',
  'docs.kpt': 'Docs: kpt deployer',
  'docs.cloudRun': 'Docs: Cloud Run',
  'docs.rawYaml': 'Docs: raw YAML manifests',
  'docs.kptRenderer': 'Docs: kpt renderer',
  'docs.statusCheck': 'Docs: status checks',
  'docs.fileSync': 'Docs: file sync',
  'docs.cleanup': 'Docs: cleanup',
  'docs.testers': 'Docs: tests',
  'docs.customTests': 'Docs: custom tests',
  'docs.issues': 'Report an issue to Skaffold',
} as const;

export type ActionTitleId = keyof typeof ACTION_TITLES;

/**
 * One step of a suggestion: run a phase again, open the config or the manifest, the container
 * logs, a setting, or a documentation topic.
 */
export type SuggestionStep =
  | 'rebuild' | 'redeploy' | 'devloop' | 'config' | 'manifest' | 'logs' | 'launchArgs' | 'executable'
  | `docs:${DocTopic}`;

/**
 * Each SuggestionCode (proto/enums.proto) and what it stands for. Flags Skaffold suggests
 * (`--default-repo`, `--platform`, `--cleanup`, `-p`, `-m` ...) point at skaffold.launch.args,
 * where a session started from VS Code takes them; advice about the environment (Docker, the
 * cluster, minikube, Helm, kubectl) is a documentation page plus running the phase again
 * once fixed; advice about the config opens it.
 */
export const SUGGESTION_ACTIONS: Readonly<Record<string, readonly SuggestionStep[]>> = {
  // No suggestion: only what the problem's phase offers.
  NIL: [],
  // Build: registries and authentication.
  ADD_DEFAULT_REPO: ['launchArgs', 'docs:imageRegistries'],
  CHECK_DEFAULT_REPO: ['launchArgs', 'docs:imageRegistries'],
  CHECK_DEFAULT_REPO_GLOBAL_CONFIG: ['docs:globalConfig', 'docs:imageRegistries'],
  GCLOUD_DOCKER_AUTH_CONFIGURE: ['rebuild', 'docs:imageRegistries'],
  DOCKER_AUTH_CONFIGURE: ['rebuild', 'docs:imageRegistries'],
  CHECK_GCLOUD_PROJECT: ['config', 'docs:cloudBuild'],
  // Build: Docker and builders.
  CHECK_DOCKER_RUNNING: ['rebuild', 'docs:localBuild'],
  FIX_USER_BUILD_ERR: ['rebuild', 'docs:builders'],
  DOCKER_BUILD_RETRY: ['rebuild'],
  FIX_CACHE_FROM_ARTIFACT_CONFIG: ['config', 'docs:docker'],
  FIX_SKAFFOLD_CONFIG_DOCKERFILE: ['config', 'docs:docker'],
  FIX_JIB_PLUGIN_CONFIGURATION: ['config', 'docs:jib'],
  FIX_DOCKER_NETWORK_CONTAINER_NAME: ['config', 'docs:docker'],
  CHECK_DOCKER_NETWORK_CONTAINER_RUNNING: ['rebuild', 'docs:docker'],
  FIX_DOCKER_NETWORK_MODE_WHEN_EXTRACTING_CONTAINER_NAME: ['config', 'docs:docker'],
  RUN_DOCKER_PRUNE: ['rebuild', 'docs:cleanup'],
  SET_CLEANUP_FLAG: ['launchArgs', 'docs:cleanup'],
  BUILD_FIX_UNKNOWN_PLATFORM_FLAG: ['launchArgs', 'docs:crossPlatform'],
  BUILD_INSTALL_PLATFORM_EMULATORS: ['rebuild', 'docs:crossPlatform'],
  SET_PUSH_AND_CONTAINER_REGISTRY: ['config', 'launchArgs', 'docs:crossPlatform'],
  // Deploy: cluster and tools.
  CHECK_CLUSTER_CONNECTION: ['redeploy', 'docs:kubeContext'],
  CHECK_MINIKUBE_STATUS: ['devloop', 'docs:localCluster'],
  INSTALL_HELM: ['redeploy', 'docs:helm'],
  UPGRADE_HELM: ['redeploy', 'docs:helm'],
  FIX_SKAFFOLD_CONFIG_HELM_ARTIFACT_OVERRIDES: ['config', 'docs:helm'],
  UPGRADE_HELM32: ['redeploy', 'docs:helm'],
  FIX_SKAFFOLD_CONFIG_HELM_CREATE_NAMESPACE: ['config', 'docs:helm'],
  INVALID_KPT_MANIFESTS: ['manifest', 'docs:kpt'],
  ALIGN_KPT_INVENTORY: ['config', 'docs:kpt'],
  INSTALL_KUBECTL: ['redeploy', 'docs:kubectl'],
  SPECIFY_CLOUD_RUN_LOCATION: ['config', 'launchArgs', 'docs:cloudRun'],
  // Status check: the containers.
  CHECK_CONTAINER_LOGS: ['logs', 'docs:statusCheck'],
  CHECK_READINESS_PROBE: ['manifest', 'logs', 'docs:statusCheck'],
  CHECK_CONTAINER_IMAGE: ['manifest', 'rebuild', 'docs:imageRegistries'],
  // Status check: the nodes.
  ADDRESS_NODE_MEMORY_PRESSURE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_DISK_PRESSURE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_NETWORK_UNAVAILABLE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_PID_PRESSURE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_UNSCHEDULABLE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_UNREACHABLE: ['redeploy', 'docs:statusCheck'],
  ADDRESS_NODE_NOT_READY: ['redeploy', 'docs:statusCheck'],
  ADDRESS_FAILED_SCHEDULING: ['manifest', 'redeploy', 'docs:statusCheck'],
  CHECK_HOST_CONNECTION: ['redeploy', 'docs:kubeContext'],
  // Local clusters.
  START_MINIKUBE: ['devloop', 'docs:localCluster'],
  UNPAUSE_MINIKUBE: ['devloop', 'docs:localCluster'],
  RUN_DOCKER_PULL: ['rebuild', 'docs:docker'],
  // Render.
  SET_RENDER_FLAG_OFFLINE_FALSE: ['launchArgs', 'docs:cli'],
  KPTFILE_MANUAL_INIT: ['docs:kptRenderer'],
  KPTFILE_CHECK_YAML: ['config', 'docs:kptRenderer'],
  REMOVE_NAMESPACE_FROM_MANIFESTS: ['manifest', 'launchArgs', 'docs:cli'],
  // The config.
  CONFIG_CHECK_FILE_PATH: ['config', 'docs:configs'],
  CONFIG_CHECK_DEPENDENCY_DEFINITION: ['config', 'docs:configs'],
  CONFIG_CHANGE_NAMES: ['config', 'docs:configs'],
  CONFIG_CHECK_FILTER: ['launchArgs', 'docs:configs'],
  CONFIG_CHECK_PROFILE_DEFINITION: ['config', 'docs:profiles'],
  CONFIG_CHECK_DEPENDENCY_PROFILES_SELECTION: ['config', 'docs:configs'],
  CONFIG_CHECK_PROFILE_SELECTION: ['launchArgs', 'docs:profiles'],
  CONFIG_FIX_API_VERSION: ['config', 'executable', 'docs:install'],
  CONFIG_ALLOWLIST_VALIDATORS: ['config', 'docs:kptRenderer'],
  CONFIG_ALLOWLIST_transformers: ['config', 'docs:kptRenderer'],
  CONFIG_FIX_MISSING_MANIFEST_FILE: ['config', 'docs:rawYaml'],
  CONFIG_ENABLE_REMOTE_REPO_SYNC: ['launchArgs', 'docs:configs'],
  CONFIG_FIX_SKAFFOLD_CONFIG_VERSION: ['config', 'docs:cli'],
  // `skaffold inspect` only: not seen in a dev loop, documented.
  INSPECT_USE_MODIFY_OR_NEW_PROFILE: ['docs:cli'],
  INSPECT_USE_ADD_BUILD_ENV: ['docs:cli'],
  INSPECT_CHECK_INPUT_PROFILE: ['docs:cli'],
  // Skaffold's catch-all.
  OPEN_ISSUE: ['docs:issues'],
  // Custom commands (tests, build dependencies).
  CHECK_CUSTOM_COMMAND: ['config', 'docs:customTests'],
  FIX_CUSTOM_COMMAND_TIMEOUT: ['config', 'docs:customTests'],
  CHECK_CUSTOM_COMMAND_DEPENDENCIES_CMD: ['config', 'docs:customTests'],
  CHECK_CUSTOM_COMMAND_DEPENDENCIES_PATHS: ['config', 'docs:customTests'],
  CHECK_TEST_COMMAND_AND_IMAGE_NAME: ['config', 'docs:testers'],
};

/** The documentation for a problem of a phase, when the suggestion says nothing we know. */
const PHASE_DOCS: Record<ProblemPhase, DocTopic> = {
  build: 'builders',
  sync: 'fileSync',
  deploy: 'deployers',
  statusCheck: 'statusCheck',
  devLoop: 'home',
};

/** A suggestion's text as it may be shown: one line, bounded. Never a link to follow. */
export function suggestionText(s: SuggestionInfo | undefined): string {
  return oneLine(s?.action, Width.detail);
}

/**
 * What a suggestion lets the user do about the problem. Never empty: a code we do not know
 * (or none) gives the documentation of the problem's phase. An action that needs what the
 * problem lacks (container logs without a resource, a manifest for a problem not in one) is
 * replaced by the closest one that applies (the config) or left out.
 */
export function suggestionActions(s: SuggestionInfo, problem: Problem): SuggestionAction[] {
  const text = suggestionText(s);
  const code = typeof s?.code === 'string' ? s.code : undefined;
  const steps = code !== undefined && Object.prototype.hasOwnProperty.call(SUGGESTION_ACTIONS, code) ? SUGGESTION_ACTIONS[code] : [];
  const actions = dedupe(steps.flatMap((step) => stepActions(step, problem)));
  const result = actions.length > 0 ? actions : [docs(PHASE_DOCS[phaseOf(problem)])];
  return result.map((a) => (text ? { ...a, suggestion: text } : a));
}

/** What is always at hand for a problem of its phase: run it again, and where to look. */
export function problemActions(problem: Problem): SuggestionAction[] {
  const phase = phaseOf(problem);
  const subject = typeof problem?.subject === 'string' ? problem.subject : '';
  const output = (titleId: 'showBuildOutput' | 'showOutput'): SuggestionAction => ({ kind: 'output', phase, subject, titleId, title: ACTION_TITLES[titleId] });
  switch (phase) {
    case 'build':
      return [rerun('build'), output('showBuildOutput')];
    case 'sync':
      return [rerun('build'), output('showOutput')];
    case 'deploy':
      return [rerun('deploy'), output('showOutput')];
    case 'statusCheck':
      return [...stepActions('logs', problem), rerun('deploy'), output('showOutput')];
    default:
      return [rerun('devloop'), output('showOutput')];
  }
}

function stepActions(step: SuggestionStep, problem: Problem): SuggestionAction[] {
  switch (step) {
    case 'rebuild':
      return [rerun('build')];
    case 'redeploy':
      return [rerun('deploy')];
    case 'devloop':
      return [rerun('devloop')];
    case 'config': {
      const file = configFileOf(problem);
      if (!file) {
        return [];
      }
      const range = file === problem.file ? problem.range : undefined;
      return [{ kind: 'openFile', file, ...(range ? { range } : {}), titleId: 'openConfig', title: ACTION_TITLES.openConfig }];
    }
    case 'manifest':
      // Only a problem placed in a manifest has one to open; else the config lists them.
      return inManifest(problem)
        ? [{ kind: 'openFile', file: problem.file, range: problem.range, titleId: 'openManifest', title: ACTION_TITLES.openManifest }]
        : stepActions('config', problem);
    case 'logs':
      return phaseOf(problem) === 'statusCheck' && typeof problem.subject === 'string' && problem.subject !== ''
        ? [{ kind: 'openLogs', resource: problem.subject, titleId: 'showContainerLogs', title: ACTION_TITLES.showContainerLogs }]
        : [];
    case 'launchArgs':
      return [{ kind: 'openSettings', setting: 'skaffold.launch.args', titleId: 'editLaunchArgs', title: ACTION_TITLES.editLaunchArgs }];
    case 'executable':
      return [{ kind: 'openSettings', setting: 'skaffold.executable', titleId: 'chooseExecutable', title: ACTION_TITLES.chooseExecutable }];
    default: {
      const topic = step.slice('docs:'.length) as DocTopic;
      return Object.prototype.hasOwnProperty.call(DOCS, topic) ? [docs(topic)] : [];
    }
  }
}

function rerun(phase: RerunPhase): SuggestionAction {
  const titleId = phase === 'build' ? 'rebuild' : phase === 'deploy' ? 'redeploy' : phase === 'sync' ? 'resync' : 'rerunDevLoop';
  return { kind: 'rerun', phase, titleId, title: ACTION_TITLES[titleId] };
}

function docs(topic: DocTopic): SuggestionAction {
  const titleId = `docs.${topic}` as const;
  return { kind: 'openDocs', url: DOCS[topic], titleId, title: ACTION_TITLES[titleId] };
}

function phaseOf(problem: Problem): ProblemPhase {
  const phase = problem?.phase;
  return phase === 'build' || phase === 'sync' || phase === 'deploy' || phase === 'statusCheck' ? phase : 'devLoop';
}

function configFileOf(problem: Problem): string | undefined {
  const file = typeof problem?.configFile === 'string' && problem.configFile ? problem.configFile : problem?.file;
  return typeof file === 'string' && file !== '' ? file : undefined;
}

function inManifest(problem: Problem): boolean {
  return phaseOf(problem) === 'statusCheck' && typeof problem.file === 'string' && problem.file !== '' && problem.file !== configFileOf(problem);
}

function dedupe(actions: SuggestionAction[]): SuggestionAction[] {
  const seen = new Set<string>();
  return actions.filter((a) => {
    const key = JSON.stringify(a);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
