export * from "../../local/tools/oci-image.js";
