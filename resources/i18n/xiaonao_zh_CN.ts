<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actions</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="94" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="95" />
        <source>Dispatch…</source>
        <translation>派单…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="96" />
        <source>Sign for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="97" />
        <source>Party contacted</source>
        <translation>已联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="98" />
        <source>On scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="99" />
        <source>Progress report</source>
        <translation>进展反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="100" />
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="101" />
        <source>Department signed</source>
        <translation>部门签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="102" />
        <source>Close</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="103" />
        <source>Transfer</source>
        <translation>流转</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="104" />
        <source>Escalate</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="105" />
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="106" />
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="107" />
        <source>Reopen</source>
        <translation>重开</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="108" />
        <source>Add note</source>
        <translation>添加备注</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="109" />
        <source>Amend…</source>
        <translation>更正…</translation>
    </message>
</context>
<context>
    <name>AlertBanner</name>
    <message>
        <location filename="../../widgets/alerts.py" line="315" />
        <source>Acknowledge (F9)</source>
        <translation>确认（F9）</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="337" />
        <source>⇧ escalated to the shift leader</source>
        <translation>⇧ 已上报值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="340" />
        <source>%1 unacknowledged</source>
        <translation>%1 条未确认</translation>
    </message>
</context>
<context>
    <name>AlertCenter</name>
    <message>
        <location filename="../../widgets/alerts.py" line="176" />
        <source>EMERGENCY from %1 (%2): %3</source>
        <translation>紧急呼叫：%1（%2）：%3</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="136" />
        <source>New P1 case %1: %2</source>
        <translation>新一级事件 %1：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="139" />
        <source>Deadline missed: %1 %2</source>
        <translation>已超时：%1 %2</translation>
    </message>
</context>
<context>
    <name>AmendDialog</name>
    <message>
        <location filename="../../widgets/amend.py" line="28" />
        <source>Amend case %1</source>
        <translation>更正事件 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="39" />
        <source>The deadlines stay as they are: an amendment does not restart the SLA clock.</source>
        <translation>时限保持不变：更正不会重新开始时限计时。</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="45" />
        <source>Title *</source>
        <translation>标题 *</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="46" />
        <source>Category *</source>
        <translation>类别 *</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="47" />
        <source>Priority (1 most urgent)</source>
        <translation>优先级（1 最紧急）</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="48" />
        <source>Address *</source>
        <translation>地址 *</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="50" />
        <source>Amend</source>
        <translation>更正</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="75" />
        <source>Title and address cannot be empty.</source>
        <translation>标题和地址不能为空。</translation>
    </message>
    <message>
        <location filename="../../widgets/amend.py" line="79" />
        <source>Nothing was changed.</source>
        <translation>没有任何改动。</translation>
    </message>
</context>
<context>
    <name>AttachmentViewer</name>
    <message>
        <location filename="../../widgets/evidence.py" line="719" />
        <source>Evidence</source>
        <translation>证据</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="736" />
        <source>◀ Previous</source>
        <translation>◀ 上一个</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="737" />
        <source>Next ▶</source>
        <translation>下一个 ▶</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="738" />
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="739" />
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="740" />
        <source>Fit</source>
        <translation>适合窗口</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="741" />
        <source>Open original</source>
        <translation>打开原件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="742" />
        <source>Save a copy…</source>
        <translation>另存副本…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="743" />
        <source>Previous (Left)</source>
        <translation>上一个（左方向键）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="744" />
        <source>Next (Right)</source>
        <translation>下一个（右方向键）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="745" />
        <source>Zoom in (+, mouse wheel)</source>
        <translation>放大（+、鼠标滚轮）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="746" />
        <source>Zoom out (-, mouse wheel)</source>
        <translation>缩小（-、鼠标滚轮）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="747" />
        <source>Fit to the window (0); actual pixels (1)</source>
        <translation>适合窗口（0）；实际像素（1）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="748" />
        <source>Open the original file with this computer's viewer</source>
        <translation>用本机的查看程序打开原始文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="749" />
        <source>Save a copy of the original file (Ctrl+S)</source>
        <translation>保存原始文件的副本（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="784" />
        <source>Why it is removed from the case (required)</source>
        <translation>从事件中移除的原因（必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="786" />
        <source>Remove from case</source>
        <translation>从事件中移除</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="787" />
        <source>Removes it from the case for everyone; the timeline keeps it and the reason</source>
        <translation>对所有人从事件中移除；处置过程保留它和原因</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="876" />
        <source>Nothing to show.</source>
        <translation>没有可显示的内容。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="889" />
        <source>%1 cannot be shown here: open the original or save a copy.</source>
        <translation>%1 无法在此显示：请打开原件或另存副本。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="898" />
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="900" />
        <source>Loading the picture…</source>
        <translation>正在加载图片…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="951" />
        <source>The picture could not be fetched: %1</source>
        <translation>无法获取图片：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="961" />
        <source>The picture could not be read: %1</source>
        <translation>无法读取图片：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="969" />
        <source>GPS %1, %2</source>
        <translation>GPS %1, %2</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="971" />
        <source>%1 × %2 pixels</source>
        <translation>%1 × %2 像素</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="972" />
        <source>taken %1</source>
        <translation>拍摄于 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="980" />
        <source>Video cannot be played on this computer (%1). Open the original or save a copy to play it elsewhere.</source>
        <translation>本机无法播放视频（%1）。请打开原件或另存副本，在其他设备上播放。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="985" />
        <source>Loading the clip…</source>
        <translation>正在加载视频…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="997" />
        <source>The clip could not be fetched: %1</source>
        <translation>无法获取视频：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1010" />
        <source>The clip cannot be played here (%1). Open the original or save a copy.</source>
        <translation>此视频无法在此播放（%1）。请打开原件或另存副本。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1027" />
        <location filename="../../widgets/evidence.py" line="1058" />
        <source>The original could not be fetched: %1</source>
        <translation>无法获取原件：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1030" />
        <source>No program on this computer opens it; it is at %1</source>
        <translation>本机没有可打开它的程序；文件位于 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1033" />
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1042" />
        <source>Save a copy</source>
        <translation>另存副本</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1061" />
        <source>Saving a copy to %1…</source>
        <translation>正在保存副本到 %1…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1068" />
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1071" />
        <source>Saved a copy to %1</source>
        <translation>副本已保存到 %1</translation>
    </message>
</context>
<context>
    <name>CallbackPanel</name>
    <message>
        <location filename="../../widgets/callback.py" line="56" />
        <source>Case</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="56" />
        <source>Closed</source>
        <translation>办结时间</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="56" />
        <source>Reporter</source>
        <translation>反映人</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="57" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="57" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="57" />
        <source>Tries</source>
        <translation>已拨次数</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="67" />
        <source>Keys in the list: 1–5 reached and rated 1–5 · N not reached · after a dissatisfied rating, R reopen or S supervise</source>
        <translation>列表快捷键：1–5 已接通并按此评分 · N 未接通 · 不满意评分后，R 重开或 S 督办</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="71" />
        <source>Comment (the reason, when dissatisfied)…</source>
        <translation>回访意见（不满意时填写原因）…</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="78" />
        <source>%1 ★</source>
        <translation>%1 ★</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="79" />
        <source>Reached: rated %1 (key %1)</source>
        <translation>已接通：评 %1 分（按键 %1）</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="83" />
        <source>Not reached (N)</source>
        <translation>未接通（N）</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="92" />
        <source>Reopen (R)</source>
        <translation>重开（R）</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="95" />
        <source>Supervise (S)</source>
        <translation>督办（S）</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="97" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="169" />
        <source>Callbacks due: %1 · waiting for a retry: %2</source>
        <translation>待回访：%1 · 等待重拨：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="237" />
        <source>%1 rated %2 ★: dissatisfied. Type the reason in the comment and press Enter, then reopen the case (R) or supervise it (S).</source>
        <translation>%1 评 %2 星：不满意。请在回访意见中写明原因并按回车，然后重开事件（R）或督办（S）。</translation>
    </message>
    <message>
        <location filename="../../widgets/callback.py" line="255" />
        <source>Type the reason first: the room reads it when the case comes back.</source>
        <translation>请先填写原因：事件重办时指挥室会看到。</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="123" />
        <source>— (the address names none of the street's roads)</source>
        <translation>—（地址不在本街道的道路上）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="125" />
        <source>%1 · responsible: %2 (%3)</source>
        <translation>%1 · 责任班组：%2（%3）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="128" />
        <source>member in charge: %1</source>
        <translation>包干队员：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="150" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="150" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="151" />
        <source>Location</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="151" />
        <source>Road</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="152" />
        <source>Reporter</source>
        <translation>报告人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="153" />
        <source>Squad / department</source>
        <translation>班组 / 部门</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="153" />
        <source>Escalation</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="154" />
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="154" />
        <source>Citizen rating</source>
        <translation>群众评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="155" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="168" />
        <source>Copy phone</source>
        <translation>复制电话</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="169" />
        <source>Copy the reporter's phone number</source>
        <translation>复制报警人电话号码</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="176" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="176" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="176" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="176" />
        <source>Reached</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="183" />
        <source>Note, resolution or reason for the action…</source>
        <translation>备注、办结情况或原因…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="204" />
        <source>Case sheet…</source>
        <translation>事件处置单…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="205" />
        <source>This case on A4: preview, save as PDF, print (Ctrl+P)</source>
        <translation>本事件的 A4 处置单：预览、保存为 PDF、打印（Ctrl+P）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="209" />
        <source>Resident rating code…</source>
        <translation>居民扫码评价…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="210" />
        <source>A one-time QR code and link for the resident to rate the handling (扫码打分): show it or print it</source>
        <translation>给居民的一次性评价二维码和链接（扫码打分）：出示或打印</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="223" />
        <source>Transfer to:</source>
        <translation>流转至：</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="237" />
        <source>SLA stages</source>
        <translation>时限环节</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="246" />
        <source>Timeline</source>
        <translation>处置过程</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="341" />
        <source>No case selected</source>
        <translation>未选择事件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="358" />
        <source>Repeat calls: %1</source>
        <translation>重复来电：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="359" />
        <source>Merged into %1</source>
        <translation>已合并至 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="394" />
        <source>callback: %1, tries %2</source>
        <translation>回访：%1，已拨 %2 次</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="402" />
        <source>SLA stages · profile %1</source>
        <translation>时限环节 · 标准 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="442" />
        <source>repeat call %1</source>
        <translation>重复来电 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="447" />
        <source>lead %1</source>
        <translation>主案 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="448" />
        <source>linked: %1</source>
        <translation>关联：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="450" />
        <source>from the early warning %1</source>
        <translation>来自预警 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="452" />
        <source>from lead %1</source>
        <translation>脱离主案 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="453" />
        <source>%1 on its own again</source>
        <translation>%1 已单独处置</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="455" />
        <source>closed with lead %1</source>
        <translation>随主案 %1 办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="553" />
        <source>Type the note, resolution or reason first.</source>
        <translation>请先填写备注、办结情况或原因。</translation>
    </message>
</context>
<context>
    <name>CaseQueuePanel</name>
    <message>
        <location filename="../../widgets/case_queue.py" line="109" />
        <source>Search id, title, address, pinyin initials… (Ctrl+F)</source>
        <translation>搜索编号、标题、地址、拼音首字母…（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="114" />
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="114" />
        <source>Open cases</source>
        <translation>未办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="116" />
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="117" />
        <source>All sources</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="118" />
        <source>All areas</source>
        <translation>全部片区</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="119" />
        <source>Any SLA state</source>
        <translation>全部时限状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="124" />
        <source>Search older cases</source>
        <translation>查找更早案件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="134" />
        <source>Showing only these cases: click to show all again</source>
        <translation>只显示这些事件：点击恢复显示全部</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="367" />
        <source>%1: %2 cases</source>
        <translation>%1：%2 件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="384" />
        <source>Cases closed more than %1 days ago are kept in this computer's archive, not in the queue: search them for the words typed (id, title, address, grid, squad)</source>
        <translation>办结超过 %1 天的案件保存在本机归档中，不在队列里：按输入的词（编号、标题、地址、网格、队组）查找</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="386" />
        <source>No archive: every case is in the queue</source>
        <translation>无归档：全部案件都在队列中</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="394" />
        <source>Searching older cases…</source>
        <translation>正在查找更早案件…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="409" />
        <source>No older case matches</source>
        <translation>没有匹配的更早案件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="411" />
        <source>Older cases found: %1</source>
        <translation>找到更早案件 %1 件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="413" />
        <source> (the newest; narrow the search for the rest)</source>
        <translation>（仅列最新的，缩小范围可查其余）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="423" />
        <source>%1 cases</source>
        <translation>共 %1 件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="423" />
        <source>1 case</source>
        <translation>共 1 件</translation>
    </message>
</context>
<context>
    <name>CaseSquadsBox</name>
    <message>
        <location filename="../../widgets/case_squads.py" line="47" />
        <source>Squads on this case</source>
        <translation>本事件的处置力量</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="52" />
        <source>Squad</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="52" />
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="52" />
        <source>Sent</source>
        <translation>派出</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="52" />
        <source>Signed</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="53" />
        <source>On scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="62" />
        <source>Reinforce…</source>
        <translation>增援…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="64" />
        <source>Send more squads to this case; the lead squad stays in charge</source>
        <translation>增派班组协同处置；主办班组不变</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="66" />
        <source>Release</source>
        <translation>撤离</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="68" />
        <source>The selected supporting squad leaves the case; the case stays open with the others</source>
        <translation>选中的增援班组撤离本事件；事件仍由其他班组继续处置</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="106" />
        <source>Lead</source>
        <translation>主办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="106" />
        <source>Support (released)</source>
        <translation>增援（已撤离）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="106" />
        <source>Support</source>
        <translation>增援</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="115" />
        <source>Released at %1</source>
        <translation>%1 撤离</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="129" />
        <source>%1 asks for %2 more squads: %3</source>
        <translation>%1 请求增援 %2 个班组：%3</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../models/qt/case_table.py" line="44" />
        <source>SLA</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="44" />
        <source>Pri</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="45" />
        <source>Case</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="45" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="46" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="46" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="47" />
        <source>Area / grid</source>
        <translation>片区 / 网格</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="47" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="48" />
        <source>Squad</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="48" />
        <source>Age</source>
        <translation>已用时</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="49" />
        <source>Due next</source>
        <translation>下一时限</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="375" />
        <source>n/a</source>
        <translation>不适用</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="429" />
        <source>waiting to be sent</source>
        <translation>等待发送</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <location filename="../../widgets/command_line.py" line="17" />
        <source>Command (Ctrl+L): d 123 W01 dispatch · a 123 accept · c 123 text close · s 123 supervise · t 123 police transfer · m 123 456 merge · ack W01 · war / peace</source>
        <translation>指令（Ctrl+L）：派 123 W01 派单 · 受理 123 · 办结 123 情况 · 督办 123 · 流转 123 九堡派出所 · 合并 123 456 · 确认 W01 · 战时 / 平时</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="41" />
        <source>Cases today</source>
        <translation>今日事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="42" />
        <source>Open</source>
        <translation>未办结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="43" />
        <source>Overdue</source>
        <translation>超时</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="44" />
        <source>Dispatched within SLA</source>
        <translation>按时派单率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="46" />
        <source>Arrived within 8 min</source>
        <translation>8分钟到场率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="47" />
        <source>Closed on scene</source>
        <translation>现场办结率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="48" />
        <source>Closure rate</source>
        <translation>办结率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="49" />
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="223" />
        <source>no data</source>
        <translation>暂无数据</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="295" />
        <source>Cases per hour by source (today)</source>
        <translation>今日各来源每小时事件数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="307" />
        <source>Minutes from report to dispatch / arrival</source>
        <translation>从受理到派单 / 到场（分钟）</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="308" />
        <location filename="../../widgets/dashboard.py" line="312" />
        <source>to dispatch</source>
        <translation>至派单</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="309" />
        <location filename="../../widgets/dashboard.py" line="314" />
        <source>to arrival</source>
        <translation>至到场</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="310" />
        <source>time limits</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="320" />
        <source>Categories (today)</source>
        <translation>今日事件类别</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="329" />
        <source>cases today</source>
        <translation>今日事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="330" />
        <source>Squads by status</source>
        <translation>班组状态</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="338" />
        <source>Last 7 days: reported and closed</source>
        <translation>近7日受理与办结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="339" />
        <location filename="../../widgets/dashboard.py" line="342" />
        <source>reported</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="340" />
        <location filename="../../widgets/dashboard.py" line="344" />
        <source>closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="596" />
        <source>⚠ %1 complaints about %2 (%3) within %4 days</source>
        <translation>⚠ %4 天内 %1 起投诉指向 %2（%3）</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="607" />
        <source>joint case %1 (%2 %3)</source>
        <translation>已转一件事 %1（%2 %3）</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="610" />
        <source>acknowledged by %1 %2</source>
        <translation>%1 %2 已确认</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="614" />
        <source>%1 new since</source>
        <translation>此后新增 %1 起</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="450" />
        <source>Squad</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="450" />
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="450" />
        <source>Handled</source>
        <translation>办结数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="451" />
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="389" />
        <location filename="../../widgets/dashboard.py" line="626" />
        <source>Squad ranking (7 days)</source>
        <translation>班组绩效排名（近7日）</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="285" />
        <location filename="../../widgets/dashboard.py" line="464" />
        <source>Click: show these cases in the queue</source>
        <translation>点击：在事件列表中显示这些事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="375" />
        <source>Click a warning: show its cases in the queue</source>
        <translation>点击预警：在事件列表中显示相关事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="394" />
        <source>Early warnings: repeated complaints</source>
        <translation>预警：重复投诉</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="400" />
        <source>Joint cases (一件事)</source>
        <translation>一件事联合处置</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="409" />
        <source>Click a joint case: show it and its linked cases in the queue</source>
        <translation>点击联合处置案件：在队列中显示该案件及其关联案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="451" />
        <source>Arrived ≤%1 min</source>
        <translation>%1 分钟内到场</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="465" />
        <source>Rated today: %1 by the resident's QR code, %2 by callback, %3 entered by the room</source>
        <translation>今日评价：居民扫码 %1 件，回访 %2 件，指挥中心录入 %3 件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="491" />
        <source>Show its cases</source>
        <translation>查看相关案件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="495" />
        <source>Acknowledge…</source>
        <translation>确认…</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="497" />
        <source>With a note: not raised again until a new case comes in</source>
        <translation>填写说明：有新案件前不再预警</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="499" />
        <source>Make a joint case…</source>
        <translation>转一件事…</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="501" />
        <location filename="../../widgets/dashboard.py" line="538" />
        <source>Its cases linked under one lead (一件事), the departments' parts</source>
        <translation>相关案件关联到一个主案（一件事），并分派各部门任务</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="539" />
        <source>Every case of this warning is closed: acknowledge it instead</source>
        <translation>该预警的案件均已办结：请改为确认预警</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="628" />
        <source>page %1/%2</source>
        <translation>第 %1/%2 页</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="657" />
        <source>Arrived within %1 min</source>
        <translation>%1 分钟内到场率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="725" />
        <source>no record before %1</source>
        <translation>%1 之前无记录</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="788" />
        <source>%1 linked</source>
        <translation>关联 %1 件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="790" />
        <source>overdue: %1</source>
        <translation>超时：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="798" />
        <source>No joint cases open.</source>
        <translation>暂无在办的联合处置案件。</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="773" />
        <source>No repeated complaints.</source>
        <translation>暂无重复投诉。</translation>
    </message>
</context>
<context>
    <name>DispatchDialog</name>
    <message>
        <location filename="../../widgets/dispatch.py" line="33" />
        <source>Dispatch %1</source>
        <translation>派单 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="82" />
        <source> · on %1</source>
        <translation> · 正在处置 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="85" />
        <source> · responsible for %1</source>
        <translation> · 负责%1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="86" />
        <source> · own area</source>
        <translation> · 本片区</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="86" />
        <source> · nearest</source>
        <translation> · 最近</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="48" />
        <source>Enter dispatches the highlighted squad; arrows choose another.</source>
        <translation>回车派给选中的班组；方向键选择其他班组。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="56" />
        <source>Dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="77" />
        <source>off duty</source>
        <translation>不在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="123" />
        <source>The case was dispatched meanwhile: it is now with %1 (%2). Dispatch again to send the chosen squad instead.</source>
        <translation>案件刚刚已被派遣：现由 %1 处置（%2）。再次按“派单”将改派所选班组。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="125" />
        <source>The case is already with %1 (%2): dispatching sends the chosen squad instead.</source>
        <translation>案件已由 %1 处置（%2）：派单将改派所选班组。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="128" />
        <source>The case is now %1: it cannot be dispatched.</source>
        <translation>案件当前为%1，不能派单。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="130" />
        <source>The case changed meanwhile: it is now %1.</source>
        <translation>案件刚刚有变化：当前为%1。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="146" />
        <source>The case is already with %1: nothing was sent. Choose another squad or close.</source>
        <translation>案件已由 %1 处置，未发送。请选择其他班组或关闭。</translation>
    </message>
</context>
<context>
    <name>Domain</name>
    <message>
        <location filename="../../app/mainwindow.py" line="341" />
        <location filename="../../app/wall.py" line="179" />
        <location filename="../../widgets/guidance.py" line="65" />
        <location filename="../../widgets/ladder.py" line="15" />
        <location filename="../../models/qt/labels.py" line="11" />
        <location filename="../../models/qt/labels.py" line="107" />
        <location filename="../../models/qt/labels.py" line="118" />
        <location filename="../../models/qt/labels.py" line="129" />
        <source>Dispute</source>
        <translation>矛盾纠纷</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="11" />
        <source>City management</source>
        <translation>城市管理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="12" />
        <source>Market supervision</source>
        <translation>市场监管</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="12" />
        <source>Fire safety</source>
        <translation>消防安全</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="13" />
        <source>Public security</source>
        <translation>社会治安</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="13" />
        <source>Traffic</source>
        <translation>交通</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="14" />
        <source>Public service</source>
        <translation>公共服务</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="14" />
        <source>Environment</source>
        <translation>生态环境</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="15" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="16" />
        <source>110 diverted</source>
        <translation>110分流</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="16" />
        <source>119 fire</source>
        <translation>119</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="17" />
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="17" />
        <source>Grid worker</source>
        <translation>网格员上报</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="18" />
        <source>AI video</source>
        <translation>AI视频</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="18" />
        <source>Patrol</source>
        <translation>巡查发现</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="19" />
        <source>Sensor</source>
        <translation>智能感知</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="19" />
        <source>Walk-in</source>
        <translation>来访</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="20" />
        <source>QR code</source>
        <translation>扫码上报</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="21" />
        <source>P1 urgent</source>
        <translation>一级 紧急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="21" />
        <source>P2 high</source>
        <translation>二级 较急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="22" />
        <source>P3 normal</source>
        <translation>三级 一般</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="22" />
        <source>P4 low</source>
        <translation>四级 较低</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="23" />
        <source>New</source>
        <translation>待受理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="23" />
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="24" />
        <source>Dispatched</source>
        <translation>已派单</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="24" />
        <source>Signed</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="25" />
        <source>Contacted</source>
        <translation>已联系</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="25" />
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="26" />
        <source>Resolved</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="26" />
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="27" />
        <source>Transferred</source>
        <translation>已流转</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="27" />
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="28" />
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="28" />
        <source>En route</source>
        <translation>赶赴中</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="29" />
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="29" />
        <source>Off duty</source>
        <translation>休班</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="30" />
        <source>Community mediation committee</source>
        <translation>社区调委会</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="30" />
        <source>Peacemaker studio</source>
        <translation>和事佬工作室</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="31" />
        <source>Justice office</source>
        <translation>司法所</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="31" />
        <source>Legal aid</source>
        <translation>法律援助</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="32" />
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="32" />
        <source>Peacetime</source>
        <translation>平时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="33" />
        <source>Wartime</source>
        <translation>战时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="34" />
        <source>Overdue</source>
        <translation>超时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="34" />
        <source>Due soon</source>
        <translation>临期</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="35" />
        <source>On time</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="35" />
        <source>Met</source>
        <translation>按时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="36" />
        <source>Late</source>
        <translation>逾时完成</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="36" />
        <source>Not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="37" />
        <source>dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="37" />
        <source>contact</source>
        <translation>联系</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="38" />
        <source>arrive</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="38" />
        <source>feedback</source>
        <translation>首次反馈</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="39" />
        <source>close</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="39" />
        <source>receipt</source>
        <translation>接单</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="40" />
        <source>reinforce</source>
        <translation>增援</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="41" />
        <source>wartime limits</source>
        <translation>战时时限</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="43" />
        <source>operator</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="43" />
        <source>shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="44" />
        <source>video wall</source>
        <translation>大屏</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="44" />
        <source>field terminal</source>
        <translation>现场终端</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="45" />
        <source>intake system</source>
        <translation>接入系统</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="45" />
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="46" />
        <source>department liaison</source>
        <translation>职能部门</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="47" />
        <source>community / grid worker</source>
        <translation>村社网格</translation>
    </message>
</context>
<context>
    <name>Evidence</name>
    <message>
        <location filename="../../widgets/evidence.py" line="68" />
        <source>Alert frame</source>
        <translation>告警画面</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="69" />
        <location filename="../../widgets/evidence.py" line="1144" />
        <source>Before</source>
        <translation>处置前</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="70" />
        <location filename="../../widgets/evidence.py" line="1145" />
        <source>After</source>
        <translation>处置后</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="71" />
        <source>Documents</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="196" />
        <source>The original is not available.</source>
        <translation>原件不可用。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="225" />
        <source>The file is no longer there.</source>
        <translation>文件已不存在。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="293" />
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="302" />
        <source>the thumbnail could not be read</source>
        <translation>无法读取缩略图</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1146" />
        <source>Document</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1149" />
        <source>waiting to be sent</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1150" />
        <source>offline, waiting to be sent</source>
        <translation>离线，等待发送</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1151" />
        <source>uploading %1%</source>
        <translation>正在上传 %1%</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1152" />
        <source>uploaded, waiting for the server</source>
        <translation>已上传，等待服务器确认</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1153" />
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1154" />
        <source>refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1158" />
        <source>the file is larger than the server takes</source>
        <translation>文件超过服务器允许的大小</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1159" />
        <source>not a photo (JPEG, PNG, WebP, HEIC, AVIF), a clip (MP4, MOV, WebM) or a PDF, whatever its name says</source>
        <translation>不是照片（JPEG、PNG、WebP、HEIC、AVIF）、视频（MP4、MOV、WebM）或 PDF（按内容判断，与文件名无关）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1163" />
        <source>the file was removed from the case</source>
        <translation>该文件已从事件中移除</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1164" />
        <source>the case does not take files now</source>
        <translation>该事件当前不能添加文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1165" />
        <source>the photo turned out damaged when the server decoded it</source>
        <translation>服务器解码时发现照片已损坏</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1166" />
        <source>the bytes arrived changed; it is sent again from the start</source>
        <translation>收到的数据有误，将从头重新发送</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1167" />
        <location filename="../../widgets/evidence.py" line="1168" />
        <source>the server could not read the request (a fault of this program)</source>
        <translation>服务器无法读取请求（本程序的问题）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1160" />
        <source>the file is empty, damaged or truncated</source>
        <translation>文件为空、已损坏或不完整</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1161" />
        <source>your role may not attach files to this case</source>
        <translation>您的角色不能为此事件添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1162" />
        <source>no such case</source>
        <translation>没有此事件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1169" />
        <source>the copy waiting to be sent is gone from this computer</source>
        <translation>本机上待发送的副本已不存在</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1170" />
        <source>the server is busy; it is tried again shortly</source>
        <translation>服务器繁忙，稍后自动重试</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1171" />
        <source>the server cannot be reached; it is tried again shortly</source>
        <translation>无法连接服务器，稍后自动重试</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1172" />
        <source>the session is being renewed; it is tried again shortly</source>
        <translation>正在更新登录，稍后自动重试</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1176" />
        <source>a photo may be at most %1 MB; this one is %2 MB</source>
        <translation>照片最大 %1 MB，此文件为 %2 MB</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1177" />
        <source>a clip may be at most %1 MB; this one is %2 MB</source>
        <translation>视频最大 %1 MB，此文件为 %2 MB</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1178" />
        <source>a document may be at most %1 MB; this one is %2 MB</source>
        <translation>文档最大 %1 MB，此文件为 %2 MB</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1179" />
        <source>a file may be at most %1 MB; this one is %2 MB</source>
        <translation>文件最大 %1 MB，此文件为 %2 MB</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1182" />
        <source>the file is empty (0 bytes)</source>
        <translation>文件为空（0 字节）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1183" />
        <source>the file is cut short (truncated): send it again whole</source>
        <translation>文件不完整（被截断），请重新发送完整文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1184" />
        <source>the file is damaged and cannot be read</source>
        <translation>文件已损坏，无法读取</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1185" />
        <source>the photo is too large to decode safely</source>
        <translation>照片过大，无法安全解码</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1186" />
        <source>the photo has more pixels than the server decodes</source>
        <translation>照片像素超过服务器可解码的上限</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1187" />
        <source>the clip has no picture (no video stream)</source>
        <translation>视频没有画面（无视频流）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1190" />
        <source>there is no case %1</source>
        <translation>没有事件 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1191" />
        <source>you may not attach files to case %1</source>
        <translation>您不能为事件 %1 添加文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1217" />
        <source>Photos, clips and PDF (*.jpg *.jpeg *.png *.webp *.heic *.heif *.avif *.mp4 *.mov *.webm *.mkv *.pdf)</source>
        <translation>照片、视频和 PDF (*.jpg *.jpeg *.png *.webp *.heic *.heif *.avif *.mp4 *.mov *.webm *.mkv *.pdf)</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1218" />
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>EvidencePanel</name>
    <message>
        <location filename="../../widgets/evidence.py" line="572" />
        <source>No photos, clips or files yet.</source>
        <translation>尚无照片、视频或文件。</translation>
    </message>
</context>
<context>
    <name>EvidenceSection</name>
    <message>
        <location filename="../../widgets/evidence.py" line="1260" />
        <source>Evidence</source>
        <translation>证据</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1264" />
        <source>What a file attached now shows: the scene before handling, after it, or a document</source>
        <translation>现在添加的文件表示什么：处置前的现场、处置后的现场，或文件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1269" />
        <source>Attach file…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1270" />
        <source>Attach photos, clips or PDFs to this case (or drop files here)</source>
        <translation>为此事件添加照片、视频或 PDF（也可把文件拖到这里）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1273" />
        <source>Paste image</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1274" />
        <source>Attach the image on the clipboard (Ctrl+Shift+V)</source>
        <translation>添加剪贴板中的图片（Ctrl+Shift+V）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1279" />
        <source>Label:</source>
        <translation>标签：</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1296" />
        <source>Dismiss refused</source>
        <translation>清除被拒绝的</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1342" />
        <source>Your role may not attach files to cases</source>
        <translation>您的角色不能为事件添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1366" />
        <source>'%1'</source>
        <translation>“%1”</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1368" />
        <source>Feedback and closing need a photo labelled %1: attach one first.</source>
        <translation>反馈和办结需要一张标为%1的照片：请先添加。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1370" />
        <source>Feedback needs a photo labelled %1: attach one first.</source>
        <translation>反馈需要一张标为%1的照片：请先添加。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1372" />
        <source>Closing needs a photo labelled %1: attach one first.</source>
        <translation>办结需要一张标为%1的照片：请先添加。</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1376" />
        <source>(%1 waiting to be sent: feedback or closing after it is in.)</source>
        <translation>（%1 个待发送：发送完成后再反馈或办结。）</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1456" />
        <source>the image could not be encoded</source>
        <translation>图片无法编码</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1464" />
        <source>Not attached: %1</source>
        <translation>未添加：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1469" />
        <source>Attach files to %1</source>
        <translation>为 %1 添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1490" />
        <source>There is no image on the clipboard.</source>
        <translation>剪贴板中没有图片。</translation>
    </message>
</context>
<context>
    <name>GuidanceEditor</name>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="35" />
        <source>Handling guides</source>
        <translation>处置指引（执法手册）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="43" />
        <source>The guide in Chinese (required)</source>
        <translation>中文指引（必填）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="45" />
        <source>The guide in English (optional)</source>
        <translation>英文指引（可不填）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="50" />
        <source>Item (Chinese)</source>
        <translation>清单项（中文）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="50" />
        <source>Item (English)</source>
        <translation>清单项（英文）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="51" />
        <source>Required before feedback</source>
        <translation>反馈前必做</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="57" />
        <source>Add item</source>
        <translation>添加一项</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="58" />
        <source>Remove item</source>
        <translation>删除该项</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="59" />
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="60" />
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="61" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="63" />
        <source>Back to the shipped guide</source>
        <translation>恢复系统自带指引</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="74" />
        <source>Category:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="87" />
        <source>Guide</source>
        <translation>指引</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="90" />
        <source>Checklist (a ticked item is recorded on the case; a required one must be ticked before the squad's feedback)</source>
        <translation>处置清单（勾选会记入案件；必做项须在班组反馈前勾选）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="113" />
        <source>edited on this server</source>
        <translation>已在本服务器修改</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="113" />
        <source>as shipped</source>
        <translation>系统自带</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="169" />
        <source>Write the guide in Chinese.</source>
        <translation>请填写中文指引。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="171" />
        <source>A guide may be at most %1 characters.</source>
        <translation>指引最多 %1 字。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="173" />
        <source>A checklist has 1 to %1 items.</source>
        <translation>处置清单须有 1 到 %1 项。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="176" />
        <source>Item %1 has no Chinese words.</source>
        <translation>第 %1 项没有中文内容。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="178" />
        <source>Item %1 is longer than %2 characters.</source>
        <translation>第 %1 项超过 %2 字。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="181" />
        <source>Give every item its English words, or none.</source>
        <translation>请为每一项都填写英文，或都不填。</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance_editor.py" line="212" />
        <source>Saved: every cockpit and field terminal shows the %1 guide now.</source>
        <translation>已保存：所有指挥台和移动端现在显示新的%1指引。</translation>
    </message>
</context>
<context>
    <name>GuideBox</name>
    <message>
        <location filename="../../widgets/guidance.py" line="84" />
        <source>Handling guide: %1</source>
        <translation>执法手册：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance.py" line="98" />
        <source>(required before feedback)</source>
        <translation>（反馈前必做）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance.py" line="102" />
        <source>(the room)</source>
        <translation>（指挥中心）</translation>
    </message>
    <message>
        <location filename="../../widgets/guidance.py" line="108" />
        <source>Feedback waits for: %1</source>
        <translation>反馈前须完成：%1</translation>
    </message>
</context>
<context>
    <name>Handover</name>
    <message>
        <location filename="../../widgets/leader.py" line="41" />
        <source>Handover at %1 · mode: %2</source>
        <translation>交接班 %1 · 模式：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="44" />
        <source>Open cases: %1 (overdue %2)</source>
        <translation>未办结事件：%1（超时 %2）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="53" />
        <source>Emergency open: %1</source>
        <translation>未解除紧急呼叫：%1</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <location filename="../../widgets/handover.py" line="60" />
        <source>Shift taken over: %1 %2 (%3–%4) · %5 · leader %6</source>
        <translation>接班：%1 %2（%3–%4）· %5 · 值班长 %6</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="73" />
        <source>Shift handover to read</source>
        <translation>待阅交接班记录</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="75" />
        <source>Handover by %1 at %2 · for %3 · open cases: %4</source>
        <translation>%1 于 %2 交班 · 接班：%3 · 未办结事件：%4</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="90" />
        <source>Case</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="90" />
        <source>Priority</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="90" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="91" />
        <source>Owner</source>
        <translation>责任方</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="91" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="106" />
        <source>Your note on taking over (optional)</source>
        <translation>接班意见（可选）</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="111" />
        <source>Acknowledge: I have read it</source>
        <translation>确认：已阅接班</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="113" />
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location filename="../../widgets/handover.py" line="120" />
        <source>Open items carried over, with their owners:</source>
        <translation>移交的未办结事项及责任方：</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <location filename="../../widgets/history.py" line="26" />
        <source>Last year</source>
        <translation>去年同期</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="28" />
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="29" />
        <source>Reported</source>
        <translation>受理数</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="30" />
        <source>Year on year</source>
        <translation>同比</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="31" />
        <source>Closed</source>
        <translation>办结数</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="32" />
        <source>Closure rate</source>
        <translation>办结率</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="33" />
        <source>On scene ≤8 min</source>
        <translation>8分钟到场率</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="34" />
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="35" />
        <source>Repeat-call rate</source>
        <translation>重复来电率</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="69" />
        <source>Months</source>
        <translation>按月</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="70" />
        <source>Years</source>
        <translation>按年</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="72" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="76" />
        <source>View</source>
        <translation>视图</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="101" />
        <source>Not available to this account.</source>
        <translation>本账号无权查看。</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="104" />
        <source>Shown when the link is online.</source>
        <translation>连接服务器后显示。</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="108" />
        <source>Asking the server…</source>
        <translation>正在向服务器查询…</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="113" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/history.py" line="117" />
        <source>Computed by the server from its whole log.</source>
        <translation>由服务器根据全部历史记录计算。</translation>
    </message>
</context>
<context>
    <name>Joint</name>
    <message>
        <location filename="../../widgets/joint.py" line="50" />
        <source>%1/%2 parts done</source>
        <translation>已完成 %1/%2 项</translation>
    </message>
</context>
<context>
    <name>JointBox</name>
    <message>
        <location filename="../../widgets/joint.py" line="92" />
        <source>Joint handling (一件事)</source>
        <translation>一件事联合处置</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="100" />
        <source>Department and task</source>
        <translation>部门与任务</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="100" />
        <source>Due · state</source>
        <translation>期限 · 状态</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="113" />
        <source>The department's feedback, or why the part is cancelled…</source>
        <translation>部门的反馈，或撤销任务的原因…</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="116" />
        <source>Departments' parts…</source>
        <translation>分派部门任务…</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="118" />
        <source>Make this a joint case: each department its part, with a deadline</source>
        <translation>转为一件事：每个部门一项任务，各有期限</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="120" />
        <source>Part done</source>
        <translation>任务完成</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="122" />
        <source>The selected part is done: its department's feedback, entered by the room</source>
        <translation>所选任务已完成：由指挥中心代录部门反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="124" />
        <source>Cancel part</source>
        <translation>撤销任务</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="132" />
        <source>Link cases…</source>
        <translation>关联案件…</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="134" />
        <source>Handle other cases (same address, same business) as one with this case</source>
        <translation>将其他案件（同一地址、同一商家）与本案合并处置</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="136" />
        <source>Unlink</source>
        <translation>取消关联</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="138" />
        <source>This case is handled on its own again</source>
        <translation>本案重新单独处置</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="140" />
        <source>Show them together</source>
        <translation>一并查看</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="142" />
        <source>The lead and its linked cases, alone in the queue</source>
        <translation>在队列中只显示主案及其关联案件</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="198" />
        <source>the case closes when every part is done</source>
        <translation>全部任务完成后方可结案</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="201" />
        <source>%1 overdue</source>
        <translation>%1 项超时</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="204" />
        <source>No departments' parts: one squad or department handles it.</source>
        <translation>未分派部门任务：由一个班组或部门处置。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="213" />
        <source>done %1</source>
        <translation>%1 完成</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="215" />
        <source>overdue</source>
        <translation>已超时</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="217" />
        <source>open</source>
        <translation>办理中</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="238" />
        <source>Linked to lead %1: closed with it</source>
        <translation>已关联主案 %1：随主案办结</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="247" />
        <source>Linked cases (%1), closed with this one: %2</source>
        <translation>关联案件（%1 件），随本案办结：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="278" />
        <source>%1's feedback (%2): %3</source>
        <translation>%1 的反馈（%2）：%3</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="298" />
        <source>Type the department's feedback (or the reason) first.</source>
        <translation>请先填写部门反馈（或撤销原因）。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="317" />
        <source>Joint case %1</source>
        <translation>一件事 %1</translation>
    </message>
</context>
<context>
    <name>Ladder</name>
    <message>
        <location filename="../../widgets/ladder.py" line="18" />
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <location filename="../../widgets/ladder.py" line="18" />
        <source>due %1</source>
        <translation>限 %1 前</translation>
    </message>
    <message>
        <location filename="../../widgets/ladder.py" line="19" />
        <source>overdue</source>
        <translation>已超期</translation>
    </message>
    <message>
        <location filename="../../widgets/ladder.py" line="19" />
        <source>not escalated</source>
        <translation>尚未升级</translation>
    </message>
</context>
<context>
    <name>LeaderPanel</name>
    <message>
        <location filename="../../widgets/leader.py" line="74" />
        <source>Squads on duty</source>
        <translation>在岗班组</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="79" />
        <source>Move member</source>
        <translation>调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="83" />
        <source>Handover note and the incoming leader</source>
        <translation>交接说明及接班值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="84" />
        <source>Record handover</source>
        <translation>记录交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="86" />
        <source>Refresh summary</source>
        <translation>刷新摘要</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="105" />
        <source>Reserve and mass mobilisation</source>
        <translation>备勤力量与集中动员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="132" />
        <source>Move a member between squads</source>
        <translation>班组间调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="139" />
        <source>Shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="145" />
        <source>Read handover…</source>
        <translation>查看交接班…</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="195" />
        <source>Reserve list (备勤): %1 standing by, %2 called up of %3%4</source>
        <translation>备勤名单：共 %3 人，待命 %1 人，已调集 %2 人%4</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="198" />
        <source>Off duty now: squads %1, members %2 (off shift) · members called up: %3</source>
        <translation>当前不在岗：班组 %1 个，队员 %2 人（轮休）· 已调集队员 %3 人</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="202" />
        <source>Reserve list: all called up</source>
        <translation>备勤名单：已全部调集</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="204" />
        <source>Confirm: call up the reserve list now (%1)</source>
        <translation>确认：立即调集备勤名单（%1 人）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="206" />
        <source>Call up the reserve list (%1)</source>
        <translation>调集备勤名单（%1 人）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="209" />
        <source>Reserve: everyone is on duty</source>
        <translation>预备力量：全员在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="211" />
        <source>Confirm: call up now (squads: %1, members: %2, reserve: %3)</source>
        <translation>确认：立即召集 %1 个班组、%2 名队员、备勤 %3 人</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="214" />
        <source>Mobilise everyone off duty (squads %1, members %2, reserve %3)</source>
        <translation>动员全部不在岗力量（班组 %1 个，人员 %2 人，备勤 %3 人）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="219" />
        <source>Stand down (%1)</source>
        <translation>解除调集（%1 人）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="240" />
        <source>No shift started by the rota yet.</source>
        <translation>排班尚未开始任何班次。</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="241" />
        <source>This street has no rota.</source>
        <translation>本街道没有排班表。</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="246" />
        <source>Shift in force: %1 %2–%3 · %4 · leader %5 · since %6 · members on duty: %7</source>
        <translation>当前班次：%1 %2–%3 · %4 · 值班长 %5 · %6 起 · 在岗队员 %7 人</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="251" />
        <source>Held over with open cases: %1</source>
        <translation>有未结案件留岗：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="259" />
        <source>No handover recorded yet.</source>
        <translation>尚无交接班记录。</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="261" />
        <source>Last handover: %1 at %2</source>
        <translation>最近交班：%1，%2</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="263" />
        <source>read and acknowledged by %1 at %2</source>
        <translation>%1 已于 %2 阅读确认</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="266" />
        <source>not acknowledged yet</source>
        <translation>尚未确认接班</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="310" />
        <source>Shift leader only: you are logged in as %1, so these controls are disabled.</source>
        <translation>仅限值班长：您当前的身份是%1，这些操作不可用。</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="349" />
        <source>WARTIME mode (profile %1): switch to peacetime</source>
        <translation>战时模式（时限 %1）：切换到平时</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="351" />
        <source>Peacetime (profile %1): switch to WARTIME</source>
        <translation>平时模式（时限 %1）：切换到战时</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="392" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
</context>
<context>
    <name>LinkDialog</name>
    <message>
        <location filename="../../widgets/joint.py" line="440" />
        <source>Link cases to %1</source>
        <translation>关联案件到 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="449" />
        <source>Cases at the same place or of the same business (%1), handled as one: closing %2 closes them.</source>
        <translation>同一地点或同一商家（%1）的案件合并处置：%2 结案时一并办结。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="461" />
        <source>Other case ids, e.g. C000123 C000456</source>
        <translation>其他案件编号，如 C000123 C000456</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="466" />
        <source>Link</source>
        <translation>关联</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="485" />
        <source>Tick or type at least one case.</source>
        <translation>请勾选或输入至少一个案件。</translation>
    </message>
</context>
<context>
    <name>LinkIndicator</name>
    <message>
        <location filename="../../widgets/link_indicator.py" line="38" />
        <source>the server's certificate is not trusted (%1): start with --ca FILE, or have the server use a certificate from a trusted CA</source>
        <translation>服务器证书不受信任（%1）：请用 --ca 文件 启动，或让服务器使用受信任机构签发的证书</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="40" />
        <source>the server refused the connection (is it running on that port?)</source>
        <translation>服务器拒绝连接（该端口上的服务是否在运行？）</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="41" />
        <source>the server cannot be reached (%1)</source>
        <translation>无法连接服务器（%1）</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="42" />
        <source>the server's name was not found</source>
        <translation>找不到服务器的域名</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="43" />
        <source>the server did not answer in time</source>
        <translation>服务器未能及时应答</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="44" />
        <source>the server is full (too many connections); retrying</source>
        <translation>服务器连接已满；正在重试</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="45" />
        <source>the server's database is unavailable; retrying</source>
        <translation>服务器数据库不可用；正在重试</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="46" />
        <source>the address answered %1: not a Xiaonao server at /ws?</source>
        <translation>该地址返回 %1：/ws 上不是小脑服务器？</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="47" />
        <source>not sent: the password would travel unencrypted (ws://) to another machine; use wss://, or --insecure on a trusted network</source>
        <translation>未发送：密码将以未加密方式（ws://）传到另一台机器；请使用 wss://，或在可信网络上加 --insecure</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="49" />
        <source>the session expired: log in again</source>
        <translation>会话已过期：请重新登录</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="50" />
        <source>the session was ended (password changed or logged out elsewhere)</source>
        <translation>会话已被结束（密码已更改或在别处注销）</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="51" />
        <source>this account was disabled</source>
        <translation>该账号已被停用</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="52" />
        <source>your role was changed: reconnecting</source>
        <translation>您的角色已变更：正在重新连接</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="53" />
        <source>too many messages were sent: reconnecting</source>
        <translation>发送消息过多：正在重新连接</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="64" />
        <source>login not remembered (no usable system keyring: %1): the password is asked for again at the next start</source>
        <translation>登录未能记住（系统密钥环不可用：%1）：下次启动时需要重新输入密码</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="67" />
        <source>a background job of the link failed (%1): the link works on; the log has the details</source>
        <translation>连接的一项后台任务失败（%1）：连接照常工作，详情见日志</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="74" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="76" />
        <source>Resyncing…</source>
        <translation>重新同步中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="79" />
        <source>Login refused: %1</source>
        <translation>登录被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="81" />
        <source>Connecting…</source>
        <translation>连接中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="83" />
        <source>Offline since %1</source>
        <translation>自 %1 起离线</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="86" />
        <source>reconnecting in %1 s</source>
        <translation>%1 秒后重连</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="88" />
        <source>reconnecting…</source>
        <translation>重连中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="97" />
        <source>showing cached data from %1 min ago</source>
        <translation>显示 %1 分钟前的缓存数据</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="100" />
        <source>disk full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="100" />
        <source>file locked</source>
        <translation>文件被占用</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="100" />
        <source>write error</source>
        <translation>写入出错</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="101" />
        <source>local cache not saved (%1): working from memory, nothing is lost while this window is open</source>
        <translation>本地缓存未能保存（%1）：正在使用内存数据，窗口不关闭就不会丢失任何内容</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../app/lock.py" line="54" />
        <source>Locked after inactivity</source>
        <translation>长时间无操作，已锁定</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="56" />
        <source>User: %1</source>
        <translation>用户：%1</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="59" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="62" />
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="77" />
        <source>Checking…</source>
        <translation>验证中…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/login.py" line="11" />
        <source>Log in to the command centre</source>
        <translation>登录指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="16" />
        <source>User name or password not accepted. Try again.</source>
        <translation>用户名或密码未通过，请重试。</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="17" />
        <source>Enter your password to connect to the command centre.</source>
        <translation>请输入密码以连接指挥中心。</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="22" />
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="23" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/mainwindow.py" line="75" />
        <source>Radio roster</source>
        <translation>对讲班组</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="77" />
        <source>Case detail</source>
        <translation>事件详情</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="79" />
        <source>Dashboard</source>
        <translation>驾驶舱</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="81" />
        <source>Performance and warnings</source>
        <translation>绩效与预警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="84" />
        <source>Performance by month and year</source>
        <translation>月度与年度绩效</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="86" />
        <source>Street map</source>
        <translation>街道地图</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="88" />
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="90" />
        <source>Rota and roads</source>
        <translation>排班与道路</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="92" />
        <source>Citizen callback</source>
        <translation>群众回访</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="94" />
        <source>Radio console</source>
        <translation>电台调度</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="96" />
        <source>Outbox</source>
        <translation>待发指令</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="123" />
        <location filename="../../app/mainwindow.py" line="342" />
        <source>Xiaonao command cockpit</source>
        <translation>小脑指挥驾驶舱</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="148" />
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="309" />
        <source>Alert sounds muted (Alerts menu); emergencies always sound</source>
        <translation>告警声音已静音（告警菜单）；紧急呼叫始终响铃</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="325" />
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="330" />
        <source>not live</source>
        <translation>非实时</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="358" />
        <source>%1 command(s) waiting to be sent</source>
        <translation>%1 条指令待发送</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="360" />
        <source>%1 refused (see Outbox)</source>
        <translation>%1 条被拒绝（见待发指令）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="375" />
        <source>&amp;Case</source>
        <translation>事件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="376" />
        <source>New case…</source>
        <translation>新建事件…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="377" />
        <source>Dispatch selected case…</source>
        <translation>派单选中事件…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="379" />
        <source>Accept selected case</source>
        <translation>受理选中事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="380" />
        <source>Supervise selected case</source>
        <translation>督办选中事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="381" />
        <source>Find…</source>
        <translation>查找…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="382" />
        <source>Command line</source>
        <translation>指令行</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="383" />
        <location filename="../../app/mainwindow.py" line="545" />
        <source>Acknowledge alert</source>
        <translation>确认告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="385" />
        <location filename="../../app/mainwindow.py" line="743" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="386" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="391" />
        <source>Reset layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="393" />
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="395" />
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="396" />
        <source>Actual size</source>
        <translation>实际大小</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="397" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="406" />
        <source>&amp;Reports</source>
        <translation>报表(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="407" />
        <source>Daily, weekly, monthly reports and bulletins…</source>
        <translation>日报、周报、月报与通报…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="408" />
        <source>Print the selected case's sheet…</source>
        <translation>打印所选事件处置单…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="410" />
        <source>Replay a shift…</source>
        <translation>班次复盘（回放）…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="411" />
        <source>&amp;Alerts</source>
        <translation>告警(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="412" />
        <source>Mute new P1 case alerts</source>
        <translation>静音一级事件告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="412" />
        <source>Mute missed-deadline alerts</source>
        <translation>静音超时告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="421" />
        <source>Emergency calls cannot be muted</source>
        <translation>紧急呼叫不可静音</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="424" />
        <source>Acknowledge all missed-deadline alerts</source>
        <translation>确认全部超时告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="426" />
        <source>A&amp;ccount</source>
        <translation>账号(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="427" />
        <source>Users…</source>
        <translation>用户管理…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="430" />
        <source>Handling guides…</source>
        <translation>处置指引（执法手册）…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="433" />
        <source>Log out and quit</source>
        <translation>注销并退出</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="467" />
        <source>Zoom %1 %</source>
        <translation>缩放 %1 %</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="479" />
        <source>new P1</source>
        <translation>新P1事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="479" />
        <source>missed deadlines</source>
        <translation>超时</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="482" />
        <source>Muted: %1</source>
        <translation>已静音：%1</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="508" />
        <source>Select a case first.</source>
        <translation>请先选择一个事件。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="536" />
        <source>Dispatch…</source>
        <translation>派单…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="537" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="538" />
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="539" />
        <source>Amend…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="548" />
        <source>Copy case number</source>
        <translation>复制事件编号</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="576" />
        <source>Dispatch %1 to this squad</source>
        <translation>将 %1 派给该班组</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="581" />
        <source>Show this squad's cases</source>
        <translation>显示该班组的事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="584" />
        <source>Acknowledge emergency</source>
        <translation>确认紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="588" />
        <source>Acknowledge reinforcement request</source>
        <translation>确认增援请求</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="592" />
        <source>Set status</source>
        <translation>设置状态</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="726" />
        <source>%1 command(s) not yet sent or acknowledged</source>
        <translation>%1 条指令尚未发送或确认</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="729" />
        <source>%1 unacknowledged alert(s)</source>
        <translation>%1 条告警未确认</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="739" />
        <source>Quit the cockpit?</source>
        <translation>退出指挥台？</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="740" />
        <source>Quit anyway?</source>
        <translation>仍要退出吗？</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="744" />
        <source>Stay</source>
        <translation>留下</translation>
    </message>
</context>
<context>
    <name>NewCaseDialog</name>
    <message>
        <location filename="../../widgets/new_case.py" line="64" />
        <source>New case</source>
        <translation>新建事件</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="75" />
        <source>e.g. 九堡大道88号 or a landmark</source>
        <translation>如：九堡大道88号 或 地标名称</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="85" />
        <source>Merge into the selected case (repeat call)</source>
        <translation>合并到选中事件（重复来电）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="90" />
        <source>Title *</source>
        <translation>标题 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="91" />
        <source>Category *</source>
        <translation>类别 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="92" />
        <source>Source *</source>
        <translation>来源 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="93" />
        <source>Priority (1 most urgent)</source>
        <translation>级别（1 最紧急）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="94" />
        <source>Address *</source>
        <translation>地址 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="96" />
        <location filename="../../widgets/new_case.py" line="130" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="97" />
        <location filename="../../widgets/new_case.py" line="131" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="98" />
        <location filename="../../widgets/new_case.py" line="132" />
        <source>Caller's phone</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="100" />
        <source>Report case</source>
        <translation>受理登记</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="105" />
        <source>Similar open cases nearby in the last hours</source>
        <translation>附近近几小时的相似未办结事件</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="129" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="129" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="172" />
        <source>%1: at most %2 characters (now %3)</source>
        <translation>%1：最多 %2 个字符（现为 %3 个）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="177" />
        <source>%1 is required</source>
        <translation>%1为必填项</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="183" />
        <source>Grid %1 · %2</source>
        <translation>网格 %1 · %2</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="186" />
        <source>Address not found on the street's map; the case keeps the text.</source>
        <translation>地图上未找到该地址；将保留文字地址。</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="219" />
        <source>The server would refuse this report: %1</source>
        <translation>服务器将拒绝此上报：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="232" />
        <source>Discard this report?</source>
        <translation>放弃此次登记？</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="233" />
        <source>What was typed in this form will be lost.</source>
        <translation>表单中已填写的内容将丢失。</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="236" />
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="237" />
        <source>Keep editing</source>
        <translation>继续填写</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <location filename="../../widgets/offline.py" line="44" />
        <source>OFFLINE since %1: not live. Clocks, deadlines and squad timers show the last known state.</source>
        <translation>自 %1 起离线：数据非实时。时钟、时限和班组计时显示的是最后已知状态。</translation>
    </message>
    <message>
        <location filename="../../widgets/offline.py" line="47" />
        <source>CONNECTING: not live yet. Clocks, deadlines and squad timers show the last known state (the local cache).</source>
        <translation>正在连接：数据尚非实时。时钟、时限和班组计时显示的是最后已知状态（本地缓存）。</translation>
    </message>
    <message>
        <location filename="../../widgets/offline.py" line="51" />
        <source>%1 command(s) wait to be sent and go when the link is back.</source>
        <translation>%1 条指令等待发送，连接恢复后自动发出。</translation>
    </message>
    <message>
        <location filename="../../widgets/offline.py" line="54" />
        <source>Login refused: log in again.</source>
        <translation>登录被拒绝：请重新登录。</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <location filename="../../widgets/outbox.py" line="35" />
        <source>Open / send again</source>
        <translation>打开 / 重新发送</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="37" />
        <source>A refused report opens in the new-case form to be corrected; another command is sent again</source>
        <translation>被拒绝的上报在新建事件表单中打开以便修改；其他指令直接重新发送</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="40" />
        <source>Dismiss refused</source>
        <translation>清除被拒绝的指令</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="115" />
        <source>%1 pending · %2 refused</source>
        <translation>%1 条待发 · %2 条被拒绝</translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <location filename="../../widgets/outcome.py" line="12" />
        <source>your role may not do this</source>
        <translation>您的角色无权执行此操作</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="13" />
        <source>not possible in the case's or squad's current state</source>
        <translation>事件或班组的当前状态不允许此操作</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="14" />
        <source>a field is missing, too long or not valid</source>
        <translation>有字段缺失、过长或无效</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="15" />
        <source>no such case or squad</source>
        <translation>没有该事件或班组</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="16" />
        <source>the server did not understand the command</source>
        <translation>服务器无法识别该指令</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="17" />
        <source>the server's database is unavailable</source>
        <translation>服务器数据库暂不可用</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="18" />
        <source>not logged in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="19" />
        <source>too many commands at once; try again shortly</source>
        <translation>指令过于频繁，请稍后再试</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="20" />
        <source>the server is busy; try again shortly</source>
        <translation>服务器繁忙，请稍后再试</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="21" />
        <source>the command is too large</source>
        <translation>指令过大</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="24" />
        <source>report case</source>
        <translation>上报事件</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="25" />
        <source>accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="26" />
        <source>dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="27" />
        <source>sign for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="28" />
        <source>party contacted</source>
        <translation>已联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="29" />
        <source>on scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="30" />
        <source>feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="31" />
        <source>close</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="32" />
        <source>transfer</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="33" />
        <source>escalate</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="34" />
        <source>return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="35" />
        <source>reopen</source>
        <translation>重启</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="36" />
        <source>supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="37" />
        <source>rate</source>
        <translation>评价</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="38" />
        <source>callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="39" />
        <source>reinforce</source>
        <translation>增援</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="40" />
        <source>release squad</source>
        <translation>班组撤离</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="41" />
        <source>add note</source>
        <translation>添加备注</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="42" />
        <source>merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="43" />
        <source>attach file</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="44" />
        <source>remove attachment</source>
        <translation>移除附件</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="45" />
        <source>squad status</source>
        <translation>班组状态</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="46" />
        <source>squad duty</source>
        <translation>班组在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="47" />
        <source>move member</source>
        <translation>调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="48" />
        <source>member duty</source>
        <translation>队员在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="49" />
        <source>acknowledge emergency</source>
        <translation>确认紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="50" />
        <source>emergency call</source>
        <translation>紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="51" />
        <source>radio message</source>
        <translation>电台消息</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="52" />
        <source>switch mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="53" />
        <source>SLA profile</source>
        <translation>时限标准</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="54" />
        <source>shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="55" />
        <source>acknowledge handover</source>
        <translation>确认接班</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="56" />
        <source>mobilise the reserve</source>
        <translation>召集预备力量</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="57" />
        <source>stand down</source>
        <translation>解除调集</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="58" />
        <source>change the rota</source>
        <translation>调整排班</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="59" />
        <source>assign road</source>
        <translation>分配道路</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="60" />
        <source>departments' parts</source>
        <translation>分派部门任务</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="61" />
        <source>part done</source>
        <translation>任务完成</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="62" />
        <source>cancel part</source>
        <translation>撤销任务</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="63" />
        <source>link cases</source>
        <translation>关联案件</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="64" />
        <source>unlink</source>
        <translation>取消关联</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="65" />
        <source>acknowledge warning</source>
        <translation>确认预警</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="66" />
        <source>tick the checklist</source>
        <translation>勾选处置清单</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="67" />
        <source>handling guide</source>
        <translation>处置指引</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="94" />
        <source>%1: acknowledged</source>
        <translation>%1：已确认</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="96" />
        <source>%1: refused: %2</source>
        <translation>%1：被拒绝：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="98" />
        <source>%1: waiting for %2 to be uploaded first</source>
        <translation>%1：等待 %2 上传完成后再发送</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="101" />
        <source>%1: sent, waiting for the server</source>
        <translation>%1：已发送，等待服务器确认</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="102" />
        <source>%1: offline, waiting to be sent</source>
        <translation>%1：离线，等待发送</translation>
    </message>
</context>
<context>
    <name>PartsDialog</name>
    <message>
        <location filename="../../widgets/joint.py" line="400" />
        <source>Joint handling: %1</source>
        <translation>一件事联合处置：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="403" />
        <source>Each department its part and deadline; the case closes when every part is done.</source>
        <translation>每个部门一项任务和期限；全部任务完成后方可结案。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="406" />
        <source>Another department</source>
        <translation>再加一个部门</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="412" />
        <source>Add the parts</source>
        <translation>分派任务</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="424" />
        <source>Say what at least one department is to do.</source>
        <translation>请至少为一个部门填写任务。</translation>
    </message>
</context>
<context>
    <name>PartsForm</name>
    <message>
        <location filename="../../widgets/joint.py" line="356" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="356" />
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="356" />
        <source>Hours to do it</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="370" />
        <source>What this department does (empty: not involved)</source>
        <translation>该部门做什么（留空：不参与）</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="389" />
        <source>Each department once: give a department one part with all it is to do.</source>
        <translation>每个部门只分派一项：把该部门要做的都写在一项里。</translation>
    </message>
</context>
<context>
    <name>RadioPanel</name>
    <message>
        <location filename="../../widgets/radio.py" line="44" />
        <source>Message to send (Enter)…</source>
        <translation>呼叫内容（回车发送）…</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="48" />
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="52" />
        <source>Canned phrases</source>
        <translation>常用语</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="67" />
        <source>Set status on its behalf</source>
        <translation>代为设置状态</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="68" />
        <source>For a status the squad gave over the radio: marked as set by the room</source>
        <translation>班组通过电台报告的状态：标记为指挥室代设</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="73" />
        <source>To:</source>
        <translation>呼叫：</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="106" />
        <source>Talkgroup %1 (%2 squads)</source>
        <translation>通话组 %1（%2 个班组）</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="145" />
        <source>Pick a squad to see its radio log</source>
        <translation>选择一个班组查看其通话记录</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="148" />
        <source>Radio log: %1</source>
        <translation>通话记录：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/radio.py" line="152" />
        <source>status %1, set by %2 on its behalf</source>
        <translation>状态 %1，由 %2 代为设置</translation>
    </message>
</context>
<context>
    <name>RatingCodeDialog</name>
    <message>
        <location filename="../../widgets/rating_code.py" line="36" />
        <source>Resident rating code</source>
        <translation>居民扫码评价</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="39" />
        <source>Case %1: %2</source>
        <translation>案件 %1：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="43" />
        <source>The resident scans this code with their phone and rates the handling (1–5 stars). It works once; no login, nothing personal is shown.</source>
        <translation>请居民用手机扫描二维码，为这次处置打分（1-5星）。二维码只能用一次；无需登录，不显示任何个人信息。</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="46" />
        <source>Asking the server for the code…</source>
        <translation>正在向服务器生成二维码…</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="58" />
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="74" />
        <source>The code needs the connection to the server: try again once it is back.</source>
        <translation>生成二维码需要连接服务器：连接恢复后再试。</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="76" />
        <source>The server refused the code: %1</source>
        <translation>服务器拒绝生成二维码：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="83" />
        <source>Works until %1</source>
        <translation>有效至 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="84" />
        <source>A new code was made.</source>
        <translation>已生成新的二维码。</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="85" />
        <source>The code made earlier, shown again.</source>
        <translation>这是之前生成的二维码，再次出示。</translation>
    </message>
    <message>
        <location filename="../../widgets/rating_code.py" line="131" />
        <source>Sent to the printer.</source>
        <translation>已发送到打印机。</translation>
    </message>
</context>
<context>
    <name>ReinforceDialog</name>
    <message>
        <location filename="../../widgets/case_squads.py" line="185" />
        <source>Reinforce %1</source>
        <translation>增援 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="189" />
        <source>Lead: %1 · supporting: %2</source>
        <translation>主办：%1 · 增援中：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="198" />
        <source> · on %1</source>
        <translation> · 正在处置 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="207" />
        <source>Space ticks a squad; Enter sends the ticked ones (or the highlighted one).</source>
        <translation>空格勾选班组；回车派出已勾选的班组（未勾选则派出高亮的班组）。</translation>
    </message>
    <message>
        <location filename="../../widgets/case_squads.py" line="210" />
        <source>Reinforce</source>
        <translation>增援</translation>
    </message>
</context>
<context>
    <name>ReplayWindow</name>
    <message>
        <location filename="../../widgets/replay.py" line="61" />
        <source>REPLAY — Xiaonao (read-only)</source>
        <translation>回放 — 小脑（只读）</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="99" />
        <source>Radio roster</source>
        <translation>对讲班组</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="100" />
        <source>Street map</source>
        <translation>街道地图</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="101" />
        <source>Dashboard</source>
        <translation>驾驶舱</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="139" />
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="145" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="147" />
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="157" />
        <location filename="../../widgets/replay.py" line="290" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="177" />
        <source>Speed</source>
        <translation>倍速</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="189" />
        <source>REPLAY · read-only · pick a range and Load; the live room goes on in the main window</source>
        <translation>回放 · 只读 · 选择时间段后点“载入”；实时指挥室在主窗口照常运行</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="191" />
        <source>REPLAY %1 – %2 · read-only · not live</source>
        <translation>回放 %1 – %2 · 只读 · 非实时</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="204" />
        <source>The end of the range must be after its start.</source>
        <translation>结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="207" />
        <source>A replay covers at most %1 hours: pick a shorter range.</source>
        <translation>一次回放最多 %1 小时：请选择更短的时间段。</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="212" />
        <source>Loading the log…</source>
        <translation>正在载入日志…</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="218" />
        <source>Loading the log… %1 %</source>
        <translation>正在载入日志… %1 %</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="231" />
        <source>Could not load the replay: %1</source>
        <translation>无法载入回放：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="238" />
        <source>%1 events; cases at the start: %2</source>
        <translation>共 %1 条事件；开始时的事件：%2 件</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="255" />
        <source>not connected to the server</source>
        <translation>未连接服务器</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="257" />
        <source>the server is replaying too many ranges; try again in a few minutes</source>
        <translation>服务器正在进行的回放过多，请几分钟后再试</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="259" />
        <source>the server could not read its log; try again</source>
        <translation>服务器无法读取日志，请重试</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="261" />
        <source>this account may not replay the room</source>
        <translation>此账号无权回放指挥室</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="263" />
        <source>the server's log does not reach back that far; pick a later range</source>
        <translation>服务器日志没有那么早的记录，请选择较晚的时间段</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="265" />
        <source>the server refused the range (%1)</source>
        <translation>服务器拒绝了该时间段（%1）</translation>
    </message>
    <message>
        <location filename="../../widgets/replay.py" line="284" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <location filename="../../widgets/reports.py" line="131" />
        <source>Save PDF…</source>
        <translation>保存 PDF…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="132" />
        <source>Save Excel…</source>
        <translation>保存 Excel…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="133" />
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="159" />
        <location filename="../../widgets/reports.py" line="201" />
        <source>Rendering…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="163" />
        <source>Save PDF</source>
        <translation>保存 PDF</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="163" />
        <source>Save Excel workbook</source>
        <translation>保存 Excel 工作簿</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="166" />
        <source>PDF (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="166" />
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="173" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="187" />
        <source>%1 page(s) sent to the printer.</source>
        <translation>已发送 %1 页到打印机。</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="193" />
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="202" />
        <source>Ready: %1 page(s).</source>
        <translation>已生成，共 %1 页。</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="204" />
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="209" />
        <source>Daily report</source>
        <translation>日报</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="210" />
        <source>Weekly report</source>
        <translation>周报</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="211" />
        <source>Monthly report</source>
        <translation>月报</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="212" />
        <source>Bulletin</source>
        <translation>通报</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="216" />
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="231" />
        <source>Show names and phones (recorded in the audit log)</source>
        <translation>显示姓名和电话（将记入审计日志）</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="234" />
        <source>Only a shift leader or an administrator may export personal data.</source>
        <translation>只有值班长或管理员可以导出个人信息。</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="235" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="239" />
        <source>Report</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="239" />
        <source>A day in the period</source>
        <translation>周期内任一天</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="240" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="251" />
        <source>Choose a report and a day in its period, then Preview.</source>
        <translation>选择报表和周期内任一天，然后点“预览”。</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="262" />
        <source>Asking the server…</source>
        <translation>正在向服务器查询…</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="268" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="294" />
        <source>Case sheet %1</source>
        <translation>事件处置单 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/reports.py" line="300" />
        <source>Show names and phones</source>
        <translation>显示姓名和电话</translation>
    </message>
</context>
<context>
    <name>RoadsView</name>
    <message>
        <location filename="../../widgets/rota.py" line="393" />
        <source>Road</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="393" />
        <source>Area</source>
        <translation>片区</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="393" />
        <source>Responsible squad</source>
        <translation>责任班组</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="394" />
        <source>Member in charge</source>
        <translation>包干队员</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="394" />
        <source>Open cases on it</source>
        <translation>在办事件</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="395" />
        <source>Changed</source>
        <translation>调整记录</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="403" />
        <source>Assign the selected road</source>
        <translation>分配所选道路</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="413" />
        <source>Reason (optional)</source>
        <translation>原因（可选）</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="415" />
        <source>Assign</source>
        <translation>分配</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="461" />
        <source>%1 at %2</source>
        <translation>%1 于 %2</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="476" />
        <source>Shift leader or administrator only: your role may see the roads, not assign them.</source>
        <translation>仅值班长或管理员可分配道路：您的角色只能查看。</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="509" />
        <source>(no member)</source>
        <translation>（不指定队员）</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <location filename="../../widgets/leader.py" line="57" />
        <source>operator</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="57" />
        <source>shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="58" />
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="58" />
        <source>video wall</source>
        <translation>大屏</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="59" />
        <source>field squad</source>
        <translation>外勤班组</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="59" />
        <source>intake</source>
        <translation>受理接入</translation>
    </message>
</context>
<context>
    <name>RosterPanel</name>
    <message>
        <location filename="../../widgets/roster.py" line="385" />
        <source>Talkgroups page %1/%2</source>
        <translation>通话组 第 %1/%2 页</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="422" />
        <source>%1 of %2 available</source>
        <translation>%2 组中 %1 组空闲</translation>
    </message>
</context>
<context>
    <name>RotaPanel</name>
    <message>
        <location filename="../../widgets/rota.py" line="51" />
        <source>Week rota</source>
        <translation>周排班</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="52" />
        <source>Roads</source>
        <translation>道路</translation>
    </message>
</context>
<context>
    <name>SlaProfileBox</name>
    <message>
        <location filename="../../widgets/sla_choice.py" line="23" />
        <source>Street's SLA profile</source>
        <translation>街道时限标准</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="30" />
        <source>Apply to new cases</source>
        <translation>对新事件生效</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="35" />
        <source>Cases already reported keep the profile they were reported under; in wartime the choice takes effect when the room returns to peacetime.</source>
        <translation>已受理的事件仍按受理时的标准考核；战时状态下所选标准在恢复平时后生效。</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="50" />
        <source>Profile and mode changes:</source>
        <translation>标准与状态变更：</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="66" />
        <source>In force for new cases: %1 · the street's profile: %2</source>
        <translation>新事件适用：%1 · 街道标准：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="78" />
        <source>%1 mode, profile %2</source>
        <translation>%1状态，标准 %2</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="81" />
        <source>street's profile %1, from the end of wartime</source>
        <translation>街道标准改为 %1，战时结束后生效</translation>
    </message>
    <message>
        <location filename="../../widgets/sla_choice.py" line="83" />
        <source>profile %1 for new cases</source>
        <translation>新事件适用标准 %1</translation>
    </message>
</context>
<context>
    <name>SquadTile</name>
    <message>
        <location filename="../../widgets/roster.py" line="34" />
        <source>online</source>
        <translation>终端在线</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="36" />
        <source>%1 online</source>
        <translation>%1台终端在线</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="47" />
        <source>Field terminal online since %1 (%2 connected)</source>
        <translation>移动终端自 %1 起在线（%2 台）</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="50" />
        <source>Field terminal offline; last seen %1</source>
        <translation>移动终端离线；最后在线 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="53" />
        <source>No field terminal has connected</source>
        <translation>尚无移动终端登录</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="57" />
        <source>Position %1, %2</source>
        <translation>位置 %1, %2</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="110" />
        <source>support</source>
        <translation>增援</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="116" />
        <source>EMERGENCY</source>
        <translation>紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="118" />
        <source>Requests reinforcement</source>
        <translation>请求增援</translation>
    </message>
    <message>
        <location filename="../../widgets/roster.py" line="135" />
        <source>Called up: %1</source>
        <translation>已调集：%1</translation>
    </message>
</context>
<context>
    <name>StartupProgress</name>
    <message>
        <location filename="../../app/startup.py" line="13" />
        <location filename="../../app/startup.py" line="14" />
        <source>Xiaonao command cockpit</source>
        <translation>小脑指挥驾驶舱</translation>
    </message>
    <message>
        <location filename="../../app/startup.py" line="16" />
        <source>Starting the demo street: playing the day so far…</source>
        <translation>正在启动演示街道：回放今日已发生的事件…</translation>
    </message>
</context>
<context>
    <name>StreetMap</name>
    <message>
        <location filename="../../widgets/street_map.py" line="248" />
        <source>Case: overdue</source>
        <translation>事件：超时</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="249" />
        <source>Case: due soon</source>
        <translation>事件：即将超时</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="250" />
        <source>Case: on time</source>
        <translation>事件：未超时</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="251" />
        <source>Squad: available</source>
        <translation>班组：空闲</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="252" />
        <source>Squad: en route</source>
        <translation>班组：在途</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="253" />
        <source>Squad: on scene</source>
        <translation>班组：在现场</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="254" />
        <source>Squad: emergency</source>
        <translation>班组：紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/street_map.py" line="255" />
        <source>Today's incidents (heat)</source>
        <translation>今日事件（热力）</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="45" />
        <source>Reported</source>
        <translation>受理登记</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="45" />
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="46" />
        <source>Dispatched</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="46" />
        <source>Signed for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="47" />
        <source>Party contacted</source>
        <translation>联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="47" />
        <source>Arrived on scene</source>
        <translation>到达现场</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="48" />
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="48" />
        <source>Closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="49" />
        <source>Transferred</source>
        <translation>流转</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="49" />
        <source>Escalated</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="50" />
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="50" />
        <source>Reopened</source>
        <translation>重开</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="51" />
        <source>Supervised</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="51" />
        <source>Rated by citizen</source>
        <translation>群众评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="52" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="52" />
        <source>Merged</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="53" />
        <source>Amended</source>
        <translation>更正</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="54" />
        <source>Reinforced</source>
        <translation>增援</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="55" />
        <source>Squad released</source>
        <translation>班组撤离</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="56" />
        <source>Alert acknowledged</source>
        <translation>告警已确认</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="57" />
        <source>Attached</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="58" />
        <source>Attachment removed</source>
        <translation>移除附件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="59" />
        <source>Citizen called back</source>
        <translation>已回访群众</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="60" />
        <source>Progress report</source>
        <translation>进展反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="61" />
        <source>Signed for by the department</source>
        <translation>部门已签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="62" />
        <source>Followed up</source>
        <translation>跟进落地</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="63" />
        <source>Confirmed with the resident</source>
        <translation>已与群众确认</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="64" />
        <source>Rating code shown to the resident</source>
        <translation>向居民出示评价二维码</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="65" />
        <source>Checklist</source>
        <translation>处置清单</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="66" />
        <source>Reinforcement requested</source>
        <translation>请求增援</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="67" />
        <source>Department's part added</source>
        <translation>分派部门任务</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="68" />
        <source>Department's part done</source>
        <translation>部门任务完成</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="69" />
        <source>Department's part cancelled</source>
        <translation>撤销部门任务</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="70" />
        <source>Cases linked</source>
        <translation>关联案件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="71" />
        <source>Unlinked</source>
        <translation>取消关联</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="74" />
        <source>field terminal</source>
        <translation>移动终端</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="75" />
        <source>department terminal</source>
        <translation>部门终端</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="76" />
        <source>community terminal</source>
        <translation>村社终端</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="77" />
        <location filename="../../widgets/case_detail.py" line="83" />
        <source>entered by the room</source>
        <translation>指挥室代录</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="78" />
        <source>resident confirms</source>
        <translation>群众确认已解决</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="79" />
        <source>resident says not resolved</source>
        <translation>群众反映未解决</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="81" />
        <source>by the resident's QR code</source>
        <translation>居民扫码评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="82" />
        <source>by callback</source>
        <translation>回访评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="84" />
        <source>reached</source>
        <translation>已接通</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="85" />
        <source>not reached</source>
        <translation>未接通</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="86" />
        <source>not reached, no more tries</source>
        <translation>未接通，不再重拨</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="87" />
        <source>title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="87" />
        <source>category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="88" />
        <source>priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="88" />
        <source>address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="89" />
        <source>new P1 case</source>
        <translation>新P1事件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="89" />
        <source>deadline missed</source>
        <translation>超时</translation>
    </message>
</context>
<context>
    <name>UsersDialog</name>
    <message>
        <location filename="../../widgets/admin_users.py" line="31" />
        <source>Users</source>
        <translation>用户管理</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="35" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="35" />
        <location filename="../../widgets/admin_users.py" line="77" />
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="35" />
        <source>Bound to</source>
        <translation>绑定</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="36" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="36" />
        <source>Active logins</source>
        <translation>有效登录</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="44" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="45" />
        <location filename="../../widgets/admin_users.py" line="159" />
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="54" />
        <source>grids, e.g. G01,G02</source>
        <translation>网格，如 G01,G02</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="55" />
        <source>Change role</source>
        <translation>更改角色</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="58" />
        <source>new password (12+ characters for leader/admin, 8+ others)</source>
        <translation>新密码（值班长/管理员至少 12 位，其他至少 8 位）</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="59" />
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="70" />
        <source>Account</source>
        <translation>账号</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="81" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="106" />
        <location filename="../../widgets/admin_users.py" line="257" />
        <source>the password of a %1 must have at least %2 characters</source>
        <translation>%1的密码至少需要 %2 个字符</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="109" />
        <source>this password is too common; choose another</source>
        <translation>该密码过于常见，请另选一个</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="110" />
        <source>the password must not be the user name</source>
        <translation>密码不能与用户名相同</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="111" />
        <source>the password must not be blank</source>
        <translation>密码不能为空</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="112" />
        <source>the password must have at most %1 characters</source>
        <translation>密码最多 %1 个字符</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="113" />
        <source>the user name must not be blank</source>
        <translation>用户名不能为空</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="114" />
        <source>the user name must not contain spaces or control characters</source>
        <translation>用户名不能包含空格或控制字符</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="115" />
        <source>the user name must have at most %1 characters</source>
        <translation>用户名最多 %1 个字符</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="116" />
        <source>a field squad account needs its squad</source>
        <translation>现场班组账号须指定所属班组</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="117" />
        <source>no squad %1 in this street (squads: %2)</source>
        <translation>本街道没有班组 %1（现有班组：%2）</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="118" />
        <source>a department account needs its department</source>
        <translation>职能部门账号须指定所属部门</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="119" />
        <source>no department %1 in this street (departments: %2)</source>
        <translation>本街道没有部门 %1（现有部门：%2）</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="120" />
        <source>a community account needs its grids, e.g. G01,G02</source>
        <translation>村社网格账号须指定所辖网格，例如 G01,G02</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="121" />
        <source>no grid %1 in this street (grids: %2)</source>
        <translation>本街道没有网格 %1（现有网格：%2）</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="133" />
        <source>operator</source>
        <translation>接线员</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="133" />
        <source>shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="133" />
        <source>video wall</source>
        <translation>大屏</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="134" />
        <source>field squad</source>
        <translation>现场班组</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="134" />
        <source>intake system</source>
        <translation>接入系统</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="135" />
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="135" />
        <source>department liaison</source>
        <translation>职能部门</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="136" />
        <source>community / grid worker</source>
        <translation>村社网格</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="159" />
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="181" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="188" />
        <source>%1 live session(s) ended.</source>
        <translation>已结束 %1 个在线会话。</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="214" />
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="214" />
        <source>active</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="229" />
        <source>%1 enabled.</source>
        <translation>已启用 %1。</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="231" />
        <source>%1 disabled.</source>
        <translation>已停用 %1。</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="245" />
        <source>%1 is now %2.</source>
        <translation>%1 现在是%2。</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="256" />
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/admin_users.py" line="261" />
        <source>Password of %1 changed.</source>
        <translation>%1 的密码已更改。</translation>
    </message>
</context>
<context>
    <name>VideoPlayer</name>
    <message>
        <location filename="../../widgets/evidence.py" line="1132" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1102" />
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <location filename="../../widgets/evidence.py" line="1095" />
        <location filename="../../widgets/evidence.py" line="1132" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../app/wall.py" line="69" />
        <source>Xiaonao video wall</source>
        <translation>小脑指挥大屏</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="107" />
        <source>Today at a glance</source>
        <translation>今日概况</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="115" />
        <source>Street map and squads</source>
        <translation>街道地图与班组</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="118" />
        <source>Performance and early warnings</source>
        <translation>绩效与预警</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="177" />
        <source>not live</source>
        <translation>非实时</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="181" />
        <source>%1 · Command centre</source>
        <translation>%1 · 综合指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="198" />
        <source>%1 · %2 · leader %3 · on duty %4</source>
        <translation>%1 · %2 · 值班长 %3 · 在岗 %4 人</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="200" />
        <source>reserve called up %1</source>
        <translation>已调集备勤 %1 人</translation>
    </message>
</context>
<context>
    <name>WarningAckDialog</name>
    <message>
        <location filename="../../widgets/joint.py" line="563" />
        <source>Acknowledge the warning</source>
        <translation>确认预警</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="566" />
        <source>Say what the room does about it. It is not raised again until a new case comes in.</source>
        <translation>说明指挥中心的处理。有新案件前不再预警。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="568" />
        <source>e.g. 市场监管所已约谈，持续关注</source>
        <translation>如：市场监管所已约谈，持续关注</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="574" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="587" />
        <source>A note is needed: what the room does about it.</source>
        <translation>请填写说明：指挥中心如何处理。</translation>
    </message>
</context>
<context>
    <name>WarningJointDialog</name>
    <message>
        <location filename="../../widgets/joint.py" line="500" />
        <source>Joint case from a warning</source>
        <translation>预警转一件事</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="504" />
        <source>One joint case: the lead is handled, the other cases are linked to it and closed with it.</source>
        <translation>合并为一件事：处置主案，其他案件关联到主案并随之办结。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="519" />
        <source>Every case of this warning is closed: acknowledge it instead.</source>
        <translation>该预警的案件均已办结：请改为确认预警。</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="522" />
        <source>Make the joint case</source>
        <translation>转为一件事</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="529" />
        <source>Lead case:</source>
        <translation>主案：</translation>
    </message>
    <message>
        <location filename="../../widgets/joint.py" line="532" />
        <source>Departments' parts (optional; also later in the case detail):</source>
        <translation>部门任务（可选；也可稍后在案件详情中分派）：</translation>
    </message>
</context>
<context>
    <name>WeekView</name>
    <message>
        <location filename="../../widgets/rota.py" line="109" />
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="110" />
        <source>The week before</source>
        <translation>上一周</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="111" />
        <source>The week after</source>
        <translation>下一周</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="128" />
        <source>Change the selected shift</source>
        <translation>调整所选班次</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="133" />
        <location filename="../../widgets/rota.py" line="314" />
        <source>works this shift</source>
        <translation>上此班</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="134" />
        <location filename="../../widgets/rota.py" line="314" />
        <source>does not work this shift</source>
        <translation>不上此班</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="135" />
        <source>Reason (required): sick leave, swap, overtime…</source>
        <translation>原因（必填）：病假、调班、加班…</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="138" />
        <source>Apply to this shift</source>
        <translation>应用到此班次</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="141" />
        <source>Shift leader's name</source>
        <translation>值班长姓名</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="143" />
        <source>Set the shift's leader</source>
        <translation>设为此班值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="210" />
        <source>This street has no rota.</source>
        <translation>本街道没有排班表。</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="217" />
        <source>Now: %1 (%2–%3) %4 · %5 · leader %6 · members on duty: %7</source>
        <translation>当前：%1（%2–%3）%4 · %5 · 值班长 %6 · 在岗队员 %7 人</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="223" />
        <source>No shift started by the rota yet.</source>
        <translation>排班尚未开始任何班次。</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="243" />
        <source>%1 members</source>
        <translation>%1 人</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="258" />
        <source>Changed by the leader: %1</source>
        <translation>值班长调整 %1 处</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="302" />
        <source>%1 %2 (%3–%4) · %5 · leader %6</source>
        <translation>%1 %2（%3–%4）· %5 · 值班长 %6</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="307" />
        <source>Changes by the leader (who, when, why):</source>
        <translation>值班长的调整（谁、何时、原因）：</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="310" />
        <source>leader: %1 · by %2 at %3 · %4</source>
        <translation>值班长：%1 · %2 于 %3 调整 · %4</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="315" />
        <source>%1 (%2) %3 · by %4 at %5 · %6</source>
        <translation>%1（%2）%3 · %4 于 %5 调整 · %6</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="318" />
        <source>Who works it, by squad:</source>
        <translation>各班组上班人员：</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="323" />
        <source>nobody: off duty</source>
        <translation>无人：不在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="344" />
        <source>Shift leader or administrator only: your role may see the rota, not change it.</source>
        <translation>仅值班长或管理员可调整排班：您的角色只能查看。</translation>
    </message>
    <message>
        <location filename="../../widgets/rota.py" line="357" />
        <location filename="../../widgets/rota.py" line="371" />
        <source>Say why (the reason is kept with the change).</source>
        <translation>请填写原因（随调整一并记录）。</translation>
    </message>
</context>
</TS>