import { test, expect } from '@playwright/test'
import { startAppServer, type AppServer } from './support/app-server.ts'

let server: AppServer

test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

test('the page served by the product server loads and its WebSocket reaches the tracker', async ({ page }) => {
  const response = await page.goto(server.url + '/')
  expect(response?.status()).toBe(200)
  expect(response?.headers()['content-type']).toContain('text/html')
  await expect(page).toHaveTitle('swarmdrop')
  const status = page.getByTestId('tracker-status')
  await expect(status).toHaveAttribute('data-status', 'connected', { timeout: 15_000 })
  await expect(status).toContainText(`ws://127.0.0.1:${server.port}/announce`)
})

test('the tracker is reached on the same port as the page and answers a scrape', async ({ page }) => {
  await page.goto(server.url + '/')
  const reply = await page.evaluate(async (port) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/announce`)
    return new Promise<unknown>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ action: 'scrape', info_hash: 'x'.repeat(20) }))
      ws.onmessage = (e) => resolve(JSON.parse(String(e.data)))
      ws.onerror = () => reject(new Error('websocket error'))
    })
  }, server.port)
  expect(reply).toMatchObject({ action: 'scrape' })
  expect((reply as { files: Record<string, unknown> }).files).toHaveProperty('x'.repeat(20))
})
