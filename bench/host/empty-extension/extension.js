// The benchmark's empty extension: activation costs only what the host itself does.
'use strict';

exports.activate = function activate() {};
exports.deactivate = function deactivate() {};
