// SPDX-License-Identifier: MIT
// Run each case of tests/qcompile/data with ONNX Runtime (onnxruntime-node)
// and write its outputs next to the model as NAME.outI.ort.npy.
//
//   NODE_PATH=<dir>/node_modules node run_ort.js DATA_DIR NAME...
//
// Graph optimizations are disabled so that ORT evaluates the QDQ graph as
// written (DequantizeLinear, float operator, QuantizeLinear) rather than
// fusing it into its own integer kernels.  Called by make_cases.py.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const DT = { '<f4': ['float32', Float32Array], '|i1': ['int8', Int8Array],
	     '|u1': ['uint8', Uint8Array] };

function readNpy(file) {
	const b = fs.readFileSync(file);
	if (b.toString('latin1', 1, 6) !== 'NUMPY')
		throw new Error(file + ': not a .npy file');
	const major = b[6];
	const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
	const hoff = major === 1 ? 10 : 12;
	const hdr = b.toString('latin1', hoff, hoff + hlen);
	const descr = /'descr':\s*'([^']+)'/.exec(hdr)[1];
	const shape = /'shape':\s*\(([^)]*)\)/.exec(hdr)[1].split(',')
		.map((s) => s.trim()).filter((s) => s.length).map(Number);
	if (/'fortran_order':\s*True/.test(hdr) || !DT[descr])
		throw new Error(file + ': unsupported layout ' + hdr);
	const [type, Arr] = DT[descr];
	const start = hoff + hlen;
	const n = shape.reduce((a, d) => a * d, 1);
	const data = new Arr(b.buffer.slice(b.byteOffset + start,
				b.byteOffset + start + n * Arr.BYTES_PER_ELEMENT));
	return new ort.Tensor(type, data, shape);
}

function writeNpy(file, t) {
	const descr = { float32: '<f4', int8: '|i1', uint8: '|u1' }[t.type];
	if (!descr)
		throw new Error(file + ': output type ' + t.type);
	const shape = t.dims.length === 1 ? '(' + t.dims[0] + ',)' :
		'(' + t.dims.join(', ') + ')';
	let hdr = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " +
		shape + ', }';
	const pad = 64 - ((10 + hdr.length + 1) % 64);
	hdr += ' '.repeat(pad % 64) + '\n';
	const head = Buffer.alloc(10);
	head.write('\x93NUMPY', 0, 'latin1');
	head[6] = 1;
	head[7] = 0;
	head.writeUInt16LE(hdr.length, 8);
	const body = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
	fs.writeFileSync(file, Buffer.concat([head, Buffer.from(hdr, 'latin1'), body]));
}

async function main() {
	const [dir, ...names] = process.argv.slice(2);
	const opts = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1,
		       executionProviders: ['cpu'] };
	for (const name of names) {
		const s = await ort.InferenceSession.create(
			path.join(dir, name + '.onnx'), opts);
		const feeds = {};
		s.inputNames.forEach((n, i) => {
			feeds[n] = readNpy(path.join(dir, name + '.in' + i + '.npy'));
		});
		const out = await s.run(feeds);
		s.outputNames.forEach((n, i) => {
			writeNpy(path.join(dir, name + '.out' + i + '.ort.npy'), out[n]);
		});
	}
	console.log('onnxruntime-node ' + require('onnxruntime-node/package.json').version +
		    ': ' + names.length + ' models');
}

main().catch((e) => { console.error(e); process.exit(1); });
