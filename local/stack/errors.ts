import { GateError } from "../../src/errors/gate-error.js";

/** No `npm start` stack is running for the state folder a command looked in (or it stopped without cleaning up). */
export class NoStackRunningError extends GateError {
  static override readonly code = "ERR_LOCAL_STACK_NOT_RUNNING";
  override readonly code = "ERR_LOCAL_STACK_NOT_RUNNING";
}

/** The stack descriptor exists but cannot be read as one (another version, a hand edit, a torn write). */
export class StackDescriptorError extends GateError {
  static override readonly code = "ERR_LOCAL_STACK_DESCRIPTOR";
  override readonly code = "ERR_LOCAL_STACK_DESCRIPTOR";
}

/** A command-line argument a local tool cannot use (an invalid image name, an unknown person). */
export class LocalUsageError extends GateError {
  static override readonly code = "ERR_LOCAL_USAGE";
  override readonly code = "ERR_LOCAL_USAGE";
}

/** Building or pushing the test image failed (tar, skopeo, the registry's answer). */
export class ImagePushError extends GateError {
  static override readonly code = "ERR_LOCAL_IMAGE_PUSH";
  override readonly code = "ERR_LOCAL_IMAGE_PUSH";
}
