// Chinese labels for the modeler's palette, context pad and popup menu (bpmn-js translate module).
export const ZH = {
  'Activate create/remove space tool': '插入/删除空间', 'Activate global connect tool': '连线工具',
  'Activate hand tool': '抓手（平移画布）', 'Activate lasso tool': '套索选择',
  'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道', 'Add text annotation': '添加注释',
  'Append compensation activity': '追加补偿活动', 'Append conditional intermediate catch event': '追加条件事件',
  'Append end event': '追加结束事件', 'Append gateway': '追加网关', 'Append intermediate/boundary event': '追加中间/边界事件',
  'Append message intermediate catch event': '追加消息事件', 'Append receive task': '追加接收任务',
  'Append signal intermediate catch event': '追加信号事件', 'Append task': '追加任务',
  'Append timer intermediate catch event': '追加定时器事件', 'Change element': '更改类型', 'Change type': '更改类型',
  'Connect to other element': '连接到其他元素', 'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接', 'Create data object reference': '创建数据对象',
  'Create data store reference': '创建数据存储', 'Create end event': '创建结束事件', 'Create expanded sub-process': '创建子流程',
  'Create gateway': '创建网关', 'Create group': '创建分组', 'Create intermediate/boundary event': '创建中间/边界事件',
  'Create pool/participant': '创建池/参与者', 'Create start event': '创建开始事件', 'Create task': '创建任务',
  'Delete': '删除', 'Remove': '删除', 'Divide into three lanes': '分为三个泳道', 'Divide into two lanes': '分为两个泳道',
  'Search in diagram': '在图中搜索', 'Task': '任务', 'User task': '用户任务', 'Service task': '服务任务',
  'Script task': '脚本任务', 'Business rule task': '业务规则任务', 'Manual task': '手工任务', 'Send task': '发送任务',
  'Receive task': '接收任务', 'Call activity': '调用活动', 'Sub-process (collapsed)': '子流程（折叠）',
  'Sub-process (expanded)': '子流程（展开）', 'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关',
  'Inclusive gateway': '包容网关', 'Complex gateway': '复杂网关', 'Event-based gateway': '事件网关',
  'Start event': '开始事件', 'End event': '结束事件', 'Timer start event': '定时开始事件',
  'Timer intermediate catch event': '定时中间事件', 'Timer boundary event': '定时边界事件',
  'Message start event': '消息开始事件', 'Terminate end event': '终止结束事件', 'Error end event': '错误结束事件',
  'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
  'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例', 'Loop': '循环',
  'Intermediate throw event': '中间抛出事件', 'Append element': '追加元素', 'Create element': '创建元素',
  'Open minimap': '打开缩略图', 'Close minimap': '关闭缩略图'
};

export function translateModule(dictionary) {
  function translate(template, replacements) {
    replacements = replacements || {};
    const text = dictionary[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => replacements[key] || '{' + key + '}');
  }
  return { translate: ['value', translate] };
}
