// The Lambda zip's api function under an independent implementation of the Lambda
// Runtime API: @vercel/fun (from npm), which runs a `provided` function's bootstrap
// natively and plays Lambda's side of the protocol its own way (its
// Lambda-Runtime-Deadline-Ms is the time left, not an epoch time). Everything on
// loopback: fun's Runtime API on 127.0.0.1, the function's DynamoDB a dynalite started
// here on 127.0.0.1.
//
//   node tests/integration/lambda_fun_cross_check.js build/lambda/offers-api-lambda.zip
//
// The user's first calls as API Gateway (HTTP API, payload 2.0) events; exits 1 naming the
// first answer that is not the server's.
'use strict'

const assert = require('assert')
const childProcess = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const repoRoot = path.join(__dirname, '..', '..')
const fun = require(path.join(repoRoot, 'node_modules', '@vercel', 'fun'))
const dynalite = require(path.join(repoRoot, 'node_modules', 'dynalite'))

const KEY = 'k_fun_0123456789abcdef0123456789'

function event (method, rawPath, body, withKey = true) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: withKey ? { authorization: 'Bearer ' + KEY } : {},
    requestContext: { http: { method, sourceIp: '192.0.2.1' }, requestId: 'fun' },
    body: body === undefined ? '' : JSON.stringify(body),
    isBase64Encoded: false
  }
}

async function main () {
  const zip = process.argv[2]
  if (!zip) throw new Error('usage: lambda_fun_cross_check.js ZIP')
  const task = fs.mkdtempSync(path.join(os.tmpdir(), 'offers-fun-'))
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  let fn
  try {
    childProcess.execFileSync('unzip', ['-q', zip, '-d', task])
    await new Promise((resolve) => db.listen(0, '127.0.0.1', resolve))
    const endpoint = 'http://127.0.0.1:' + db.address().port
    fn = await fun.createFunction({
      Code: { Directory: task },
      Handler: 'bootstrap',
      Runtime: 'provided',
      Region: 'us-east-1',
      AccessKeyId: 'test',
      SecretAccessKey: 'test',
      MemorySize: 512,
      Timeout: 30,
      Environment: {
        Variables: {
          OFFERS_ROLE: 'api',
          OFFERS_DYNAMODB_ENDPOINT: endpoint,
          OFFERS_DYNAMODB_TABLE: 'fun-cross-check',
          OFFERS_CREATE_TABLE: 'on',
          OFFERS_DYNAMODB_EVENT_LAG_MS: '0',
          OFFERS_JOBS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/jobs',
          OFFERS_API_KEYS: 'ops:' + KEY
        }
      }
    })
    const call = async (e) => {
      const r = await fun.invoke(fn, { Payload: JSON.stringify(e) })
      const answer = JSON.parse(r.Payload.toString())
      if (typeof answer.statusCode !== 'number') {
        throw new Error('not an API Gateway answer: ' + r.Payload.toString())
      }
      return { status: answer.statusCode, body: answer.body ? JSON.parse(answer.body) : null }
    }
    const brand = await call(event('POST', '/v1/brands', { name: 'Acme Coffee' }))
    assert.strictEqual(brand.status, 201, JSON.stringify(brand))
    const offer = await call(event('POST', '/v1/offers', { brandId: brand.body.id, name: '5% back' }))
    assert.strictEqual(offer.status, 201, JSON.stringify(offer))
    const location = await call(event('POST', '/v1/locations', { brandId: brand.body.id, address: '1 Main St' }))
    assert.strictEqual(location.status, 201, JSON.stringify(location))
    const linkPath = '/v1/offers/' + offer.body.id + '/locations/' + location.body.id
    const linked = await call(event('POST', linkPath))
    assert.strictEqual(linked.status, 201, JSON.stringify(linked))
    assert.strictEqual(linked.body.offer.locationsTotal, 1, JSON.stringify(linked))
    assert.strictEqual(linked.body.location.hasOffer, true, JSON.stringify(linked))
    const again = await call(event('POST', linkPath))
    assert.strictEqual(again.status, 200, 'a repeated link is not new: ' + JSON.stringify(again))
    const read = await call(event('GET', '/v1/offers/' + offer.body.id))
    assert.strictEqual(read.body.locationsTotal, 1, JSON.stringify(read))
    const anonymous = await call(event('GET', '/v1/brands', undefined, false))
    assert.strictEqual(anonymous.status, 401, JSON.stringify(anonymous))
    const missing = await call(event('GET', '/v1/offers/00000000-0000-4000-8000-000000000000'))
    assert.strictEqual(missing.status, 404, JSON.stringify(missing))
    assert.strictEqual(missing.body.error.code, 'not_found', JSON.stringify(missing))
    console.log('lambda_fun_cross_check: 8 calls answered under @vercel/fun as by the server')
  } finally {
    if (fn) await fun.destroy(fn)
    db.close()
    fs.rmSync(task, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (error) => {
  console.error('lambda_fun_cross_check: ' + (error && error.stack ? error.stack : error))
  process.exit(1)
})
