import { freePort } from "./support/server";
import { startTargetServer, type TargetServer } from "./support/target";
import { expect, test } from "./fixtures";

let target: TargetServer;
test.beforeAll(async () => {
  target = await startTargetServer();
});
test.afterAll(() => target.close());

test("forward a capture with one click, see the target's answer and the attempt listed", async ({ page, bin, send }) => {
  target.respondWith(() => ({ status: 201, headers: { "Content-Type": "application/json", "X-Handled-By": "target" }, body: JSON.stringify({ handled: "evt_fw" }) }));
  const payload = JSON.stringify({ id: "evt_fw", amount: 42 });
  await send({ path: "/hooks/stripe?live=1", headers: { "Content-Type": "application/json", "X-Sender": "journey" }, body: payload });

  await page.goto(`/bins/${bin.id}`);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(`${target.baseUrl}/app`);
  await expect(panel.getByLabel(/Append sub-path and query/)).toBeChecked();
  await panel.getByRole("button", { name: "Forward" }).click();

  const answer = panel.getByTestId("forward-answer").first();
  await expect(answer).toContainText("201");
  await expect(answer.getByRole("table", { name: "Target answer headers" })).toContainText("X-Handled-By");
  await expect(answer).toContainText("evt_fw");
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
  await expect(panel.getByRole("list", { name: "Forwarding attempts" })).toContainText(`${target.baseUrl}/app/hooks/stripe?live=1`);

  const arrived = target.received.at(-1)!;
  expect(arrived.url).toBe("/app/hooks/stripe?live=1");
  expect(arrived.body.toString()).toBe(payload);
  expect(arrived.headers).toContainEqual(["X-Sender", "journey"]);

  // An HTML answer is shown as the text it is; the target is remembered across a reload.
  target.respondWith(() => ({ status: 500, headers: { "Content-Type": "text/html" }, body: "<b id=injected>boom</b>" }));
  await page.reload();
  await expect(panel.getByLabel("Target URL")).toHaveValue(`${target.baseUrl}/app`);
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(2);
  await expect(panel.getByTestId("forward-answer").first()).toContainText("<b id=injected>boom</b>");
  await expect(page.locator("#injected")).toHaveCount(0);
});

test("edit and send, and a refused connection in words", async ({ page, bin, send }) => {
  target.respondWith(() => ({ status: 200, body: "ok" }));
  await send({ path: "/edit", headers: { "Content-Type": "text/plain" }, body: "captured body" });
  await page.goto(`/bins/${bin.id}`);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(`${target.baseUrl}/edited`);
  await panel.getByLabel(/Append sub-path and query/).uncheck();
  await panel.getByLabel("Edit and send").check();
  await panel.getByLabel("Method").fill("PUT");
  await panel.getByLabel("Body").fill("edited body");
  await panel.getByRole("button", { name: "Send edited" }).click();
  await expect(panel.getByTestId("forward-answer").first()).toContainText("200");
  const arrived = target.received.at(-1)!;
  expect(arrived.method).toBe("PUT");
  expect(arrived.url).toBe("/edited");
  expect(arrived.body.toString()).toBe("edited body");

  const closedPort = await freePort();
  await panel.getByLabel("Edit and send").uncheck();
  await panel.getByLabel("Target URL").fill(`http://127.0.0.1:${closedPort}/`);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByTestId("forward-error").first()).toContainText(`connection refused by 127.0.0.1:${closedPort}`);
});
