export { unpauseTask as default } from "./pause.js";
