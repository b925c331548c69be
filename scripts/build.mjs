// `npm run build`: see build() in build-if-needed.mjs.
import { build } from "./build-if-needed.mjs";

build();
