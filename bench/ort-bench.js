// SPDX-License-Identifier: MIT
// The ONNX Runtime side of the benchmark (onnxruntime-node, CPU execution
// provider): for each job, the latency of session.run() on a random input.
//
//   NODE_PATH=<dir>/node_modules node bench/ort-bench.js JOBS.json
//
// JOBS.json: [{"model", "shape": [..], "threads", "time_s", "min_runs",
// "warmup"}, ...].  Sessions use intraOpNumThreads = threads,
// interOpNumThreads 1, executionMode sequential, graphOptimizationLevel
// all.  Prints one JSON array: per job the sorted latencies' median, p90,
// min (ms), the number of runs and the process's CPU time per run (all
// its threads: user + system).  A job with "input" and "output" (raw
// float32 files) instead runs the model once on that input and writes its
// output there, for the agreement check.  Called by bench/bench.py.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function now() {
	return Number(process.hrtime.bigint()) / 1e6;	/* ms */
}

// A seeded LCG, so both runtimes see comparable data (values in [-1, 1)).
function randomInput(shape, seed) {
	const n = shape.reduce((a, d) => a * d, 1);
	const data = new Float32Array(n);
	let s = seed >>> 0;
	for (let i = 0; i < n; i++) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		data[i] = s / 2147483648 - 1;
	}
	return new ort.Tensor('float32', data, shape);
}

async function runJob(job, sessions) {
	const key = job.model + '/' + job.threads;
	let s = sessions.get(key);
	if (!s) {
		s = await ort.InferenceSession.create(job.model, {
			executionProviders: ['cpu'],
			intraOpNumThreads: job.threads,
			interOpNumThreads: 1,
			executionMode: 'sequential',
			graphOptimizationLevel: 'all',
		});
		sessions.set(key, s);
	}
	const feeds = {};
	if (job.input) {
		const b = fs.readFileSync(job.input);
		const data = new Float32Array(b.buffer.slice(b.byteOffset,
							     b.byteOffset + b.length));
		feeds[s.inputNames[0]] = new ort.Tensor('float32', data, job.shape);
		const y = (await s.run(feeds))[s.outputNames[0]];
		fs.writeFileSync(job.output, Buffer.from(y.data.buffer, y.data.byteOffset,
							 y.data.byteLength));
		return { dims: y.dims };
	}
	feeds[s.inputNames[0]] = randomInput(job.shape, 12345);
	for (let i = 0; i < job.warmup; i++)
		await s.run(feeds);
	const lat = [];
	const c0 = process.cpuUsage();
	const t0 = now();
	while (lat.length < job.min_runs || now() - t0 < job.time_s * 1000) {
		const a = now();
		await s.run(feeds);
		lat.push(now() - a);
	}
	const c = process.cpuUsage(c0);
	const cpu_ms = (c.user + c.system) / 1000 / lat.length;
	lat.sort((x, y) => x - y);
	const at = (p) => lat[Math.min(lat.length - 1,
				       Math.max(0, Math.round(p * lat.length) - 1))];
	return { median_ms: at(0.5), p90_ms: at(0.9), min_ms: lat[0], runs: lat.length,
		 cpu_ms: cpu_ms };
}

async function main() {
	const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	const sessions = new Map();
	const out = [];
	for (const job of jobs)
		out.push(await runJob(job, sessions));
	console.log(JSON.stringify({
		version: require('onnxruntime-node/package.json').version,
		results: out,
	}));
}

main().catch((e) => { console.error(e); process.exit(1); });
