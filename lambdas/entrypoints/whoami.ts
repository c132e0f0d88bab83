export { whoamiHandler as handler } from '../handlers/whoami';
