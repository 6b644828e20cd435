export * from "../../local/tools/skopeo.js";
