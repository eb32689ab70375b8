// The floor's init (see cli.mjs): straight to execve, as the real init ends.
import { native } from '../../../dist/native.js';

native.resetForExec();
native.execve('/bin/true', ['true'], []);
