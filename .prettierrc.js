'use strict';
module.exports = require('gts/.prettierrc.json');
